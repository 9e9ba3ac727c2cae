package io.sparkamp.spark.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.SparkSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's session as the job creates it ({@link SparkSessions#create}: Kryo with our registrator and
 * nothing else forced) runs Spark's own code paths that send Spark-internal classes through Kryo — CSV
 * and JSON schema inference, a shuffle join, a Spark ML pipeline — and a training job on CSV. The
 * project's tests otherwise run with {@code spark.kryo.registrationRequired=true} (a system property set
 * by the build); this test removes it, as a user's JVM does not have it.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
class UserSessionTest {
    private static final String REQUIRED = "spark.kryo.registrationRequired";

    @TempDir
    Path tmp;
    private String strictInTests;
    private String previousUi;

    @BeforeEach
    void asAUser() {
        strictInTests = System.clearProperty(REQUIRED);
        previousUi = System.setProperty("spark.ui.enabled", "false");
    }

    @AfterEach
    void restore() {
        restore(REQUIRED, strictInTests);
        restore("spark.ui.enabled", previousUi);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void sparkCodePathsAndACsvJobRunInAUsersSession() throws Exception {
        Path csv = tmp.resolve("train.csv");
        StringBuilder text = new StringBuilder("f0,f1,f2,f3,label\n");
        for (int i = 0; i < 120; i++) {
            int label = i % 2;
            text.append(label + (i % 7) * 0.1).append(',').append(-label + (i % 5) * 0.1).append(',')
                    .append((i % 3) * 0.5).append(',').append(i % 11).append(',').append(label).append('\n');
        }
        Files.writeString(csv, text, StandardCharsets.UTF_8);
        Path json = tmp.resolve("names.json");
        Files.writeString(json, "{\"id\": 1, \"name\": \"a\", \"tags\": [1, 2]}\n{\"id\": 2, \"name\": \"b\", \"tags\": []}\n",
                StandardCharsets.UTF_8);

        SparkSession spark = SparkSessions.create("local[2]", "UserSessionTest");
        try {
            assertEquals("org.apache.spark.serializer.KryoSerializer", spark.conf().get("spark.serializer"));
            assertFalse(spark.sparkContext().conf().getBoolean(REQUIRED, false), "registration is optional for users");

            Dataset<Row> table = spark.read().option("header", true).option("inferSchema", true).csv(csv.toString());
            assertEquals("struct<f0:double,f1:double,f2:double,f3:int,label:int>", table.schema().simpleString());

            Dataset<Row> names = spark.read().json(json.toString());
            assertEquals("struct<id:bigint,name:string,tags:array<bigint>>", names.schema().simpleString());
            assertEquals(60, table.join(names, table.col("label").equalTo(names.col("id"))).count(), "shuffle join");

            VectorAssembler assemble = new VectorAssembler().setInputCols(new String[] {"f0", "f1", "f2", "f3"})
                    .setOutputCol("raw");
            StandardScaler scale = new StandardScaler().setInputCol("raw").setOutputCol("features");
            LogisticRegression classify = new LogisticRegression().setMaxIter(10);
            PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assemble, scale, classify}).fit(table);
            double accuracy = model.transform(table).where("prediction = label").count() / 120.0;
            assertTrue(accuracy > 0.9, "a separable problem: " + accuracy);

            Map<String, Object> summary = TrainRuns.train(spark, TrainRuns.settings("data", csv.toString(), "format", "csv",
                    "feature-cols", "f0,f1,f2,f3", "model", "mlp 4-8-2 relu", "steps", "4", "batch-size", "16",
                    "log-every", "1000", "partitions", "2")).printed();
            assertEquals(4, ((Number) summary.get("steps")).intValue());
            assertEquals(120, ((Number) summary.get("train_rows")).intValue());
            assertTrue(spark.sparkContext().getPersistentRDDs().isEmpty(), "the job unpersisted its cache");
        } finally {
            spark.stop();
        }
    }
}
