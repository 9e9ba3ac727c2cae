package io.sparkamp.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.ConfigException;
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

    private static void assertFlag(String flag, Runnable build) {
        ConfigException e = assertThrows(ConfigException.class, build::run);
        assertTrue(e.getMessage().contains(flag), () -> "expected " + flag + " in: " + e.getMessage());
    }
}
