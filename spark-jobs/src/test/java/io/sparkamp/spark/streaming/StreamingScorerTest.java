package io.sparkamp.spark.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.inference.BatchInference;
import io.sparkamp.spark.inference.ScoringOptions;
import io.sparkamp.spark.inference.StreamingScorer;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

/**
 * Inference on a stream with the newest committed weights: a rate-source stream is scored while
 * {@code stream-train} commits a second model version. Every micro-batch is scored by exactly one version
 * (one {@code model_step} per micro-batch, versions only moving forward, the switch at a micro-batch
 * boundary), and every row's scores are those batch scoring gives with that version's commit, so no row
 * saw torn or mixed weights.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
class StreamingScorerTest extends AmpSparkTestBase {
    @TempDir
    static Path tmp;

    private Settings training(Path files, Path checkpoints) {
        return TrainRuns.settings("model", StreamFiles.MODEL, "precision", "bf16", "optimizer", "adam", "lr", "0.05",
                "batch-size", "20", "partitions", "2", "seed", "3", "kernel", "java", "data", files.toString(),
                "checkpoint-dir", checkpoints.toString(), "trigger", "available-now", "steps-per-batch", "3");
    }

    private void train(Settings settings) {
        StreamTrainCommand.run(StreamConfig.from(settings), spark(), new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void aStreamScoredWhileASecondCommitLandsSwitchesAtAMicroBatchBoundaryAndNeverMixes() throws Exception {
        Path root = newFolder(tmp, "switch").toPath();
        Path files = root.resolve("incoming");
        Path checkpoints = root.resolve("run");
        StreamFiles.drop(spark(), files, "a", 60, 1, 0, null);
        train(training(files, checkpoints));
        Path models = checkpoints.resolve("model");

        Map<Long, List<Row>> scored = new ConcurrentSkipListMap<>();
        StreamingScorer scorer = new StreamingScorer(spark(), models.toString(), ScoringOptions.defaults(),
                (batch, id) -> scored.put(id, batch.collectAsList()));
        assertEquals(3, scorer.model().steps());
        StreamingQuery query = scorer.start(StreamFiles.rateRows(spark(), 50), root.resolve("scoring").toString(),
                Trigger.ProcessingTime(100));
        try {
            StreamFiles.waitFor(() -> batchesScoredWith(scored, 3) >= 2, query, "two micro-batches scored with the first commit");
            StreamFiles.drop(spark(), files, "b", 50, 2, 1, null);
            train(training(files, checkpoints)); // the second commit lands while the scoring query runs
            StreamFiles.waitFor(() -> batchesScoredWith(scored, 6) >= 2, query, "two micro-batches scored with the second commit");
        } finally {
            query.stop();
        }

        long previous = 0;
        Map<Long, List<Row>> byVersion = new TreeMap<>();
        for (Map.Entry<Long, List<Row>> batch : scored.entrySet()) {
            Set<Long> versions = batch.getValue().stream().map(r -> r.<Long>getAs(StreamingScorer.MODEL_STEP_COL))
                    .collect(Collectors.toSet());
            if (versions.isEmpty()) {
                continue;
            }
            assertEquals(1, versions.size(), "micro-batch " + batch.getKey() + " scored by one version: " + versions);
            long version = versions.iterator().next();
            Assertions.assertTrue(version >= previous, "versions only move forward: " + version + " after " + previous);
            previous = version;
            byVersion.computeIfAbsent(version, v -> new ArrayList<>()).addAll(batch.getValue());
        }
        assertEquals(Set.of(3L, 6L), byVersion.keySet());

        Map<Long, Map<Long, double[]>> expected = new HashMap<>();
        for (long version : byVersion.keySet()) {
            expected.put(version, batchScores(models.resolve(String.format("step-%08d", version)), byVersion.get(version)));
        }
        for (long version : byVersion.keySet()) {
            long other = version == 3 ? 6 : 3;
            Map<Long, double[]> otherScores = batchScores(models.resolve(String.format("step-%08d", other)), byVersion.get(version));
            for (Row row : byVersion.get(version)) {
                long value = row.getAs("value");
                double[] streamed = row.<Vector>getAs("probability").toArray();
                assertArrayEquals(expected.get(version).get(value), streamed, "row " + value + " scored as batch scoring does with step " + version);
                assertFalse(java.util.Arrays.equals(otherScores.get(value), streamed), "the two versions score row " + value + " apart");
            }
        }
    }

    @Test
    void aDirectoryWithoutCommitsIsRefusedNamingIt() throws Exception {
        Path empty = newFolder(tmp, "no-commits").toPath();
        ConfigException e = assertThrows(ConfigException.class,
                () -> new StreamingScorer(spark(), empty.toString(), ScoringOptions.defaults(), (batch, id) -> { }));
        Assertions.assertTrue(e.getMessage().contains("no model commit in " + empty), e.getMessage());
    }

    /** Probabilities per rate value, scored in one batch with the model of {@code commit}. */
    private Map<Long, double[]> batchScores(Path commit, List<Row> rows) {
        TrainedModel model = TrainedModel.load(spark(), commit.toString());
        List<Row> inputs = rows.stream().map(r -> org.apache.spark.sql.RowFactory.create(r.getAs("value"), r.getAs("features")))
                .toList();
        Dataset<Row> frame = spark().createDataFrame(inputs, new org.apache.spark.sql.types.StructType()
                .add("value", "long").add("features", org.apache.spark.sql.types.DataTypes.createArrayType(
                        org.apache.spark.sql.types.DataTypes.FloatType, false)));
        Map<Long, double[]> scores = new HashMap<>();
        for (Row r : BatchInference.transform(frame, model, ScoringOptions.defaults()).collectAsList()) {
            scores.put(r.getAs("value"), r.<Vector>getAs("probability").toArray());
        }
        return scores;
    }

    private static long batchesScoredWith(Map<Long, List<Row>> scored, long version) {
        return scored.values().stream().filter(rows -> !rows.isEmpty()
                && rows.get(0).<Long>getAs(StreamingScorer.MODEL_STEP_COL) == version).count();
    }
}
