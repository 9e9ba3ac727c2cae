package io.sparkamp.spark.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --precisions}: the four runs, their precision and loss scaling, and the errors a typo gets. */
class VariantTest {
    @Test
    void theFourRunsInTheGivenOrder() {
        List<Variant> runs = Variant.parse("bf16, fp32,FP16-noscale,fp16", null);
        assertEquals(List.of(new Variant("bf16", "bf16", "none"), new Variant("fp32", "fp32", "none"),
                new Variant("fp16-noscale", "fp16", "none"), new Variant("fp16", "fp16", "dynamic")), runs);
    }

    @Test
    void fp16KeepsAStaticScaleFromTheConfigButNeverRunsUnscaled() {
        assertEquals("1024", Variant.parse("fp32,fp16", "1024").get(1).lossScale());
        assertEquals("dynamic", Variant.parse("fp32,fp16", "dynamic").get(1).lossScale());
        assertEquals("dynamic", Variant.parse("fp32,fp16", "none").get(1).lossScale());
        assertEquals("none", Variant.parse("fp32,fp16-noscale", "dynamic").get(1).lossScale());
        assertEquals("none", Variant.parse("fp32,bf16", "dynamic").get(1).lossScale());
    }

    @Test
    void mistakesNameTheFlagAndTheValue() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> Variant.parse("fp32,fp8", null));
        assertTrue(unknown.getMessage().contains("--precisions") && unknown.getMessage().contains("'fp8'"), unknown.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> Variant.parse("fp32,fp16,fp16", null));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        ConfigException noReference = assertThrows(ConfigException.class, () -> Variant.parse("fp16,bf16", null));
        assertTrue(noReference.getMessage().contains("fp32"), noReference.getMessage());
    }
}
