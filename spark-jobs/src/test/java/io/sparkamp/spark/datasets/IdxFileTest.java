package io.sparkamp.spark.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    /** Writes an IDX file byte by byte as the format describes it: 0, 0, type, dims, sizes, data. */
    static Path writeIdx(Path file, int type, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(0);
        out.writeByte(0);
        out.writeByte(type);
        out.writeByte(dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        out.flush();
        try (OutputStream f = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            f.write(bytes.toByteArray());
        }
        return file;
    }

    @Test
    void readsGzippedAndPlainFiles() throws IOException {
        byte[] data = {0, 1, 2, (byte) 200, (byte) 255, 7, 8, 9, 10, 11, 12, 13};
        for (boolean gzip : new boolean[] {true, false}) {
            Path file = writeIdx(dir.resolve("images-" + gzip), 0x08, new int[] {2, 3, 2}, data, gzip);
            IdxFile idx = IdxFile.read(file, 3);
            assertArrayEquals(new int[] {2, 3, 2}, idx.dims());
            assertEquals(2, idx.count());
            assertEquals(6, idx.itemSize());
            assertArrayEquals(data, idx.data());
            assertEquals(200, idx.unsigned(3));
            assertEquals(255, idx.unsigned(4));
        }
    }

    @Test
    void wrongMagicNamesFileAndBothNumbers() throws IOException {
        Path labels = writeIdx(dir.resolve("labels.gz"), 0x08, new int[] {3}, new byte[] {1, 2, 3}, true);
        ConfigException e = assertThrows(ConfigException.class, () -> IdxFile.read(labels, 3));
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("magic number 0x00000801, expected 0x00000803"), e.getMessage());

        Path ints = writeIdx(dir.resolve("ints"), 0x0C, new int[] {1}, new byte[] {0, 0, 0, 1}, false);
        assertTrue(assertThrows(ConfigException.class, () -> IdxFile.read(ints, 1)).getMessage()
                .contains("magic number 0x00000C01, expected 0x00000801"));
    }

    @Test
    void truncatedAndTrailingDataAreReported() throws IOException {
        Path shortFile = writeIdx(dir.resolve("short.gz"), 0x08, new int[] {2, 2}, new byte[] {1, 2, 3}, true);
        ConfigException truncated = assertThrows(ConfigException.class, () -> IdxFile.read(shortFile, 2));
        assertTrue(truncated.getMessage().contains("promises 4 values, the file holds 3 (truncated)"),
                truncated.getMessage());

        Path longFile = writeIdx(dir.resolve("long"), 0x08, new int[] {2}, new byte[] {1, 2, 3}, false);
        assertTrue(assertThrows(ConfigException.class, () -> IdxFile.read(longFile, 1)).getMessage()
                .contains("promises 2 values, the file holds 3 (trailing bytes)"));

        Path header = dir.resolve("header");
        Files.write(header, new byte[] {0, 0, 8, 3, 0, 0});
        assertTrue(assertThrows(ConfigException.class, () -> IdxFile.read(header, 3)).getMessage()
                .contains("ends inside its header"));
    }

    @Test
    void nonPositiveDimensionAndMissingFile() throws IOException {
        Path zero = writeIdx(dir.resolve("zero"), 0x08, new int[] {0, 28}, new byte[0], false);
        assertTrue(assertThrows(ConfigException.class, () -> IdxFile.read(zero, 2)).getMessage()
                .contains("dimension 0 is 0"));
        Path missing = dir.resolve("missing.gz");
        assertTrue(assertThrows(ConfigException.class, () -> IdxFile.read(missing, 1)).getMessage()
                .contains(missing.toString()));
    }
}
