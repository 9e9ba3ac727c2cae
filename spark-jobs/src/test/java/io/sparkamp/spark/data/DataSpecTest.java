package io.sparkamp.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.JobConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSpecTest {

    @Test
    void defaultsAreLabelAndFeatures() {
        DataSpec spec = DataSpec.of("d", DataSpec.Format.PARQUET);
        assertEquals("label", spec.labelCol());
        assertEquals("features", spec.featuresCol());
        assertEquals(List.of(), spec.featureCols());
        assertTrue(spec.csvHeader());
        assertEquals(DataSpec.Format.LIBSVM, DataSpec.Format.parse(" LibSVM "));
    }

    @Test
    void errorsNameTheFlag() {
        assertFlag("--data", () -> DataSpec.of(" ", DataSpec.Format.CSV));
        assertFlag("--format", () -> DataSpec.Format.parse("json"));
        assertFlag("--label-col", () -> DataSpec.of("d", DataSpec.Format.CSV).withLabelCol(""));
        assertFlag("--features-col", () -> DataSpec.of("d", DataSpec.Format.CSV).withFeaturesCol(" "));
        assertFlag("--feature-cols", () -> DataSpec.of("d", DataSpec.Format.CSV).withFeatureCols(List.of("a", "a")));
        assertFlag("--feature-cols", () -> DataSpec.of("d", DataSpec.Format.CSV).withFeatureCols(List.of("a", "label")));
        assertFlag("--features-col", () -> DataSpec.of("d", DataSpec.Format.CSV).withFeaturesCol("label"));
        assertFlag("--feature-cols",
                () -> new DataSpec("d", DataSpec.Format.CSV, "y", "v", List.of("a"), true));
        assertFlag("--feature-cols", () -> DataSpec.of("d", DataSpec.Format.LIBSVM).withFeatureCols(List.of("a")));
        assertFlag("--label-col", () -> DataSpec.of("d", DataSpec.Format.LIBSVM).withLabelCol("y"));
    }

    @Test
    void featureColsAloneAreTakenWhileFeaturesColKeepsItsDefault() {
        DataSpec spec = JobConfig.from(TrainRuns.settings("data", "d.csv", "format", "csv", "feature-cols", "f0, f1,f2",
                "label-col", "y")).data();
        assertEquals(List.of("f0", "f1", "f2"), spec.featureCols());
        assertNull(spec.featuresCol());
        assertTrue(spec.assemblesFeatures());

        DataSpec plain = JobConfig.from(TrainRuns.settings("data", "d")).data();
        assertEquals("features", plain.featuresCol(), "the default applies when neither is set");
        assertEquals(List.of(), plain.featureCols());
    }

    @Test
    void featuresColAndFeatureColsBothSetIsAnErrorNamingBoth() {
        ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.from(TrainRuns.settings("data", "d",
                "features-col", "features", "feature-cols", "a,b")));
        assertTrue(e.getMessage().contains("--features-col 'features'") && e.getMessage().contains("--feature-cols [a, b]"),
                e.getMessage());
    }

    private static void assertFlag(String flag, Runnable build) {
        ConfigException e = assertThrows(ConfigException.class, build::run);
        assertTrue(e.getMessage().contains(flag), () -> "expected " + flag + " in: " + e.getMessage());
    }
}
