package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingBatchTest extends LeakCheckedAllocator {
    private static float[] labels(int n) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = i * 0.1f - 3f;
        }
        return l;
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void ipcRoundTripKeepsFeatureCodesAndLabels(Precision precision) {
        for (int targets : new int[] {1, 3}) {
            int rows = 17;
            int cols = 7;
            float[] features = ArrowMatrixTest.randomValues(rows * cols, 5);
            float[] labels = labels(rows * targets);
            byte[] bytes;
            float[] before = new float[rows * cols];
            try (TrainingBatch batch = TrainingBatch.fromRows(root, precision, rows, cols, features, targets, labels)) {
                batch.features().readFloats(0, rows, before, 0);
                bytes = batch.toIpcBytes();
            }
            assertEquals(0, root.getAllocatedMemory());
            try (TrainingBatch back = TrainingBatch.fromIpcBytes(root, bytes)) {
                assertEquals(rows, back.rows());
                assertEquals(targets, back.targets());
                assertEquals(precision, back.features().precision());
                assertEquals(cols, back.features().cols());
                float[] after = new float[rows * cols];
                back.features().readFloats(0, rows, after, 0);
                for (int i = 0; i < after.length; i++) {
                    assertEquals(Float.floatToIntBits(before[i]), Float.floatToIntBits(after[i]), "feature " + i);
                }
                assertArrayEquals(ArrowMatrixTest.expectedRounded(precision, features), after);
                float[] labelsBack = new float[rows * targets];
                back.readLabels(0, rows, labelsBack, 0);
                assertArrayEquals(labels, labelsBack);
                assertTrue(back.bytesUsed() > 0);
            }
        }
    }

    @Test
    void bf16ColumnIsTheExtensionTypeAfterIpc() throws Exception {
        float[] features = {1f, 2.5f, -3.140625f, 1e30f};
        byte[] bytes;
        try (TrainingBatch batch = TrainingBatch.fromRows(root, Precision.BF16, 2, 2, features, 1, new float[] {0f, 1f})) {
            bytes = batch.toIpcBytes();
        }
        // Read with a plain Arrow reader: the schema must carry the extension name and int16 storage.
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(bytes), root)) {
            assertTrue(reader.loadNextBatch());
            VectorSchemaRoot schemaRoot = reader.getVectorSchemaRoot();
            Field element = schemaRoot.getSchema().findField(TrainingBatch.FEATURES).getChildren().get(0);
            Bf16Type type = assertInstanceOf(Bf16Type.class, element.getType());
            assertEquals("sparkamp.bfloat16", type.extensionName());
            assertEquals(new ArrowType.Int(16, true), type.storageType());
            Field features2 = schemaRoot.getVector(TrainingBatch.FEATURES).getField().getChildren().get(0);
            assertInstanceOf(Bf16Type.class, features2.getType());
        }
        try (TrainingBatch back = TrainingBatch.fromIpcBytes(root, bytes)) {
            ListMatrix m = (ListMatrix) back.features();
            Bf16Type.Bf16Vector v = assertInstanceOf(Bf16Type.Bf16Vector.class, m.vector().getDataVector());
            assertEquals(Bf16.round(1e30f), v.getObject(3));
            short[] codes = new short[4];
            back.features().readCodes(0, 2, codes, 0);
            for (int i = 0; i < 4; i++) {
                assertEquals(Bf16.fromFloat(features[i]), codes[i]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void ipcCostsAboutTwoBytesPerFeatureValue(Precision precision) {
        int rows = 256;
        int cols = 784;
        float[] features = ArrowMatrixTest.randomValues(rows * cols, 1);
        try (TrainingBatch batch = TrainingBatch.fromRows(root, precision, rows, cols, features, 1, labels(rows))) {
            byte[] bytes = batch.toIpcBytes();
            double perValue = (double) bytes.length / (rows * cols);
            assertTrue(perValue <= 2.2, "IPC bytes per feature value " + perValue + " (" + bytes.length + " bytes)");
            assertTrue(perValue >= 2.0, "cannot be below the 2 data bytes: " + perValue);
        }
    }

    @Test
    void badInputIsAnErrorNamingTheProblem() {
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> TrainingBatch.fromRows(root, Precision.FP16, 3, 4, new float[11], 1, new float[3]));
        assertTrue(f.getMessage().contains("features") && f.getMessage().contains("12") && f.getMessage().contains("11"), f.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> TrainingBatch.fromRows(root, Precision.FP16, 3, 4, new float[12], 2, new float[3]));
        assertTrue(l.getMessage().contains("labels") && l.getMessage().contains("6"), l.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingBatch.fromIpcBytes(root, new byte[0]));
        assertThrows(RuntimeException.class, () -> TrainingBatch.fromIpcBytes(root, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
        try (TrainingBatch batch = TrainingBatch.fromRows(root, Precision.FP16, 2, 2, new float[4], 1, new float[2])) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> batch.readLabels(1, 2, new float[2], 0));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
        }
        assertEquals(0, root.getAllocatedMemory());
    }

    @Test
    void ipcStreamWithoutTheFeaturesColumnIsRejected() throws Exception {
        byte[] labelsOnly;
        try (org.apache.arrow.vector.Float4Vector v = new org.apache.arrow.vector.Float4Vector("labels", root)) {
            v.allocateNew(1);
            v.set(0, 1f);
            v.setValueCount(1);
            VectorSchemaRoot r = new VectorSchemaRoot(Arrays.asList(v));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (org.apache.arrow.vector.ipc.ArrowStreamWriter w =
                         new org.apache.arrow.vector.ipc.ArrowStreamWriter(r, null, java.nio.channels.Channels.newChannel(out))) {
                w.start();
                w.writeBatch();
                w.end();
            }
            labelsOnly = out.toByteArray();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingBatch.fromIpcBytes(root, labelsOnly));
        assertTrue(e.getMessage().contains("'features'"), e.getMessage());
    }

    @Test
    void cachedBatchesHoldAbout256KiBOfFeaturesBetweenOneAnd4096Rows() {
        assertEquals(167, TrainingBatch.cachedRowsPerBatch(784, Precision.BF16), "262,144 / (784 * 2), rounded down");
        assertEquals(83, TrainingBatch.cachedRowsPerBatch(784, Precision.FP32));
        assertEquals(4096, TrainingBatch.cachedRowsPerBatch(8, Precision.FP16), "narrow rows: capped");
        assertEquals(1, TrainingBatch.cachedRowsPerBatch(1_000_000, Precision.FP32), "a row wider than a batch: one row");
        assertEquals(4096, TrainingBatch.cachedRowsPerBatch(0, Precision.FP16), "no features counts as one");
    }
}
