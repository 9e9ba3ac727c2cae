package io.sparkamp.core.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated classification problem: reproducible from its seeds, valid labels, distinct streams. */
class SyntheticClassificationTest {
    private static final int FEATURES = 12;
    private static final int CLASSES = 5;

    @Test
    void theSameSeedsGiveBitIdenticalRowsFromSeparateInstances() {
        ArrayRowSource a = new SyntheticClassification(FEATURES, CLASSES, 0.7f, 11).generate(300, 3);
        ArrayRowSource b = new SyntheticClassification(FEATURES, CLASSES, 0.7f, 11).generate(300, 3);
        assertArrayEquals(bits(features(a)), bits(features(b)));
        assertArrayEquals(bits(targets(a)), bits(targets(b)));
    }

    @Test
    void labelsAreClassIndicesInRangeAndEveryClassOccurs() {
        ArrayRowSource rows = new SyntheticClassification(FEATURES, CLASSES, 0.7f, 11).generate(500, 1);
        assertEquals(500, rows.rowCount());
        assertEquals(FEATURES, rows.featureCount());
        assertEquals(1, rows.targetWidth());
        int[] counts = new int[CLASSES];
        for (float label : targets(rows)) {
            assertTrue(label >= 0 && label < CLASSES && label == Math.rint(label), "label " + label);
            counts[(int) label]++;
        }
        for (int c = 0; c < CLASSES; c++) {
            assertTrue(counts[c] > 50, "class " + c + " occurs " + counts[c] + " times in 500 rows");
        }
        for (float x : features(rows)) {
            assertTrue(Float.isFinite(x) && Math.abs(x) <= 1f, "features pass through tanh, got " + x);
        }
    }

    @Test
    void differentRowSeedsOrCentreSeedsGiveDifferentRows() {
        SyntheticClassification problem = new SyntheticClassification(FEATURES, CLASSES, 0.7f, 11);
        float[] base = features(problem.generate(100, 1));
        assertFalse(Arrays.equals(base, features(problem.generate(100, 2))), "another row seed");
        assertFalse(Arrays.equals(targets(problem.generate(100, 1)), targets(problem.generate(100, 2))), "other labels too");
        float[] otherCentres = features(new SyntheticClassification(FEATURES, CLASSES, 0.7f, 12).generate(100, 1));
        assertFalse(Arrays.equals(base, otherCentres), "another centre seed");
    }

    @Test
    void withoutNoiseEveryRowOfAClassIsItsCentre() {
        ArrayRowSource rows = new SyntheticClassification(FEATURES, CLASSES, 0f, 4).generate(200, 9);
        float[][] centre = new float[CLASSES][];
        float[] row = new float[FEATURES];
        float[] label = new float[1];
        for (int r = 0; r < rows.rowCount(); r++) {
            rows.copyFeatures(r, row, 0);
            rows.copyTargets(r, label, 0);
            int c = (int) label[0];
            if (centre[c] == null) {
                centre[c] = row.clone();
            } else {
                assertArrayEquals(centre[c], row, "row " + r + " of class " + c);
            }
        }
        for (int c = 1; c < CLASSES; c++) {
            assertFalse(Arrays.equals(centre[0], centre[c]), "classes have distinct centres");
        }
    }

    @Test
    void invalidShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticClassification(0, 3, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticClassification(4, 1, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticClassification(4, 3, -1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticClassification(4, 3, Float.NaN, 1));
    }

    private static float[] features(ArrayRowSource rows) {
        float[] x = new float[rows.rowCount() * rows.featureCount()];
        for (int r = 0; r < rows.rowCount(); r++) {
            rows.copyFeatures(r, x, r * rows.featureCount());
        }
        return x;
    }

    private static float[] targets(ArrayRowSource rows) {
        float[] y = new float[rows.rowCount()];
        for (int r = 0; r < rows.rowCount(); r++) {
            rows.copyTargets(r, y, r);
        }
        return y;
    }

    private static int[] bits(float[] values) {
        int[] b = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = Float.floatToRawIntBits(values[i]);
        }
        return b;
    }
}
