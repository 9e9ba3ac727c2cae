package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkingWeightsTest {
    private static float[] master(int n) {
        SplittableRandom random = new SplittableRandom(3);
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = (float) random.nextGaussian();
        }
        m[7] = 1e-30f; // below FP16's range
        m[11] = 70000f; // past FP16's largest value
        return m;
    }

    @Test
    void aRangeCopiedOutIsTheRoundedMasterWhetherOrNotAllValuesWereDecoded() {
        float[] master = master(1000);
        for (Precision p : Precision.values()) {
            WorkingWeights lazy = WorkingWeights.cast(master, p);
            float[] range = new float[40];
            lazy.copyValues(3, range, 5, 35); // before anything decoded all values
            for (int i = 0; i < 35; i++) {
                assertEquals(Float.floatToRawIntBits(p.round(master[3 + i])), Float.floatToRawIntBits(range[5 + i]),
                        p + " parameter " + (3 + i));
            }
            float[] all = lazy.values();
            assertEquals(master.length, all.length);
            assertEquals(master.length, lazy.size());
            for (int i = 0; i < master.length; i++) {
                assertEquals(Float.floatToRawIntBits(p.round(master[i])), Float.floatToRawIntBits(all[i]), p + " value " + i);
            }
            assertSame(all, lazy.values(), p + ": decoded once, then shared");
            float[] again = new float[35];
            lazy.copyValues(3, again, 0, 35);
            for (int i = 0; i < 35; i++) {
                assertEquals(range[5 + i], again[i], p + " after decoding");
            }
            assertThrows(IndexOutOfBoundsException.class, () -> lazy.copyValues(990, range, 0, 11), "past the parameters");
            assertThrows(IndexOutOfBoundsException.class, () -> lazy.copyValues(0, range, 30, 11), "past the destination");
        }
    }

    @Test
    void weightsThatArrivedAsCodesDecodeTheSameValues() {
        float[] master = master(300);
        for (Precision p : new Precision[] {Precision.FP16, Precision.BF16}) {
            WorkingWeights cast = WorkingWeights.cast(master, p);
            WorkingWeights arrived = WorkingWeights.fromCodes(cast.codes(), p);
            assertEquals(300, arrived.size());
            for (int i = 0; i < 300; i++) {
                assertEquals(cast.values()[i], arrived.values()[i], p + " value " + i);
            }
        }
    }
}
