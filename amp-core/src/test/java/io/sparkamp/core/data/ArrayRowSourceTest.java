package io.sparkamp.core.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayRowSourceTest {
    @Test
    void refusesNonFiniteInputsNamingRowAndColumn() {
        float[] features = {0f, 1f, 2f, 3f, Float.NaN, 5f};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayRowSource(features, 3, new float[] {0f, 1f}, 1));
        assertTrue(e.getMessage().contains("row 1, feature 1 is NaN"), e.getMessage());

        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new ArrayRowSource(new float[] {1f, 2f}, 1, new float[] {0f, Float.POSITIVE_INFINITY}, 1));
        assertTrue(t.getMessage().contains("row 1, target 0 is Infinity"), t.getMessage());
    }

    @Test
    void refusesShapesThatDoNotSplitIntoRows() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayRowSource(new float[5], 2, new float[2], 1));
        assertTrue(e.getMessage().contains("5 feature values do not split into rows of 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ArrayRowSource(new float[4], 2, new float[3], 1));
    }

    @Test
    void copiesRowsAndSlices() {
        ArrayRowSource source = new ArrayRowSource(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, new float[] {7f, 8f, 9f}, 1);
        float[] row = new float[2];
        source.copyFeatures(2, row, 0);
        assertArrayEquals(new float[] {5f, 6f}, row);
        ArrayRowSource tail = source.slice(1, 3);
        assertEquals(2, tail.rowCount());
        float[] target = new float[1];
        tail.copyTargets(0, target, 0);
        assertEquals(8f, target[0]);
    }
}
