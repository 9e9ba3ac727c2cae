package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrecisionTest {
    @Test
    void sizesAndKinds() {
        assertEquals(4, Precision.FP32.bytes());
        assertEquals(2, Precision.FP16.bytes());
        assertEquals(2, Precision.BF16.bytes());
        assertFalse(Precision.FP32.isLow());
        assertTrue(Precision.FP16.isLow());
        assertTrue(Precision.BF16.isLow());
    }

    @Test
    void maxValuesAreTheLargestFiniteCodes() {
        assertEquals(Binary16Reference.FP16.decode(0x7bff), Precision.FP16.maxValue());
        assertEquals(Binary16Reference.BF16.decode(0x7f7f), Precision.BF16.maxValue());
        assertEquals(Float.MAX_VALUE, Precision.FP32.maxValue());
    }

    @Test
    void encodeDecodeAndRoundDelegateToTheFormat() {
        float x = 0.1f;
        assertEquals(Binary16Reference.FP16.encode(x), Precision.FP16.encode(x) & 0xffff);
        assertEquals(Binary16Reference.BF16.encode(x), Precision.BF16.encode(x) & 0xffff);
        assertEquals((float) Binary16Reference.FP16.decode(0x3555), Precision.FP16.decode((short) 0x3555));
        assertEquals((float) Binary16Reference.BF16.decode(0x3e4d), Precision.BF16.decode((short) 0x3e4d));
        assertEquals(x, Precision.FP32.round(x));
        assertEquals((float) Binary16Reference.FP16.decode(Binary16Reference.FP16.encode(x)), Precision.FP16.round(x));
        assertThrows(UnsupportedOperationException.class, () -> Precision.FP32.encode(1f));
        assertThrows(UnsupportedOperationException.class, () -> Precision.FP32.decode((short) 1));
    }

    @Test
    void parseAcceptsLabelsInAnyCaseAndNamesTheSettingOnError() {
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.parse(p.label(), "x"));
            assertEquals(p, Precision.parse(" " + p.name() + " ", "x"));
        }
        assertEquals("bf16", Precision.BF16.label());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8", "spark.amp.precision"));
        assertTrue(e.getMessage().contains("spark.amp.precision") && e.getMessage().contains("fp8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Precision.parse(null, "spark.amp.precision"));
    }
}
