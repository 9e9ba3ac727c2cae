package io.sparkamp.spark.datasets;

import io.sparkamp.core.config.ConfigException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * One IDX file (the MNIST / Fashion-MNIST format) of unsigned bytes, gzipped or not.
 *
 * <p>Layout: two zero bytes, a type byte ({@code 0x08} = unsigned byte, the only type read here), the
 * number of dimensions, one big-endian int32 per dimension, then the values in row-major order. The
 * whole file is checked: every error names the file and what is wrong with it.
 */
public final class IdxFile {
    /** Type code of unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;

    private final Path file;
    private final int[] dims;
    private final byte[] data;

    private IdxFile(Path file, int[] dims, byte[] data) {
        this.file = file;
        this.dims = dims;
        this.data = data;
    }

    /**
     * Reads and checks an unsigned-byte IDX file with {@code expectedDims} dimensions.
     *
     * @throws ConfigException when the file cannot be read or is not such a file
     */
    public static IdxFile read(Path file, int expectedDims) {
        byte[] bytes;
        try (InputStream in = open(file)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ConfigException("cannot read IDX file " + file + ": " + e);
        }
        int expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
        if (bytes.length < 4) {
            throw new ConfigException("IDX file " + file + " is " + bytes.length + " bytes long, too short for a header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        if (magic != expectedMagic) {
            throw new ConfigException(String.format("IDX file %s: magic number 0x%08X, expected 0x%08X"
                    + " (unsigned bytes in %d dimensions)", file, magic, expectedMagic, expectedDims));
        }
        if (bytes.length < 4 + 4 * expectedDims) {
            throw new ConfigException("IDX file " + file + " ends inside its header (" + bytes.length + " bytes)");
        }
        int[] dims = new int[expectedDims];
        long values = 1;
        for (int d = 0; d < expectedDims; d++) {
            dims[d] = buf.getInt();
            if (dims[d] <= 0) {
                throw new ConfigException("IDX file " + file + ": dimension " + d + " is " + dims[d] + ", must be positive");
            }
            values *= dims[d];
        }
        long present = bytes.length - (4L + 4L * expectedDims);
        if (present != values) {
            throw new ConfigException("IDX file " + file + ": header " + Arrays.toString(dims) + " promises " + values
                    + " values, the file holds " + present + (present < values ? " (truncated)" : " (trailing bytes)"));
        }
        return new IdxFile(file, dims, Arrays.copyOfRange(bytes, bytes.length - (int) values, bytes.length));
    }

    /** Opens the file, decompressing it when it starts with the gzip magic bytes. */
    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in) : in;
    }

    public Path file() {
        return file;
    }

    /** The dimensions, e.g. [60000, 28, 28]. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of items: the first dimension. */
    public int count() {
        return dims[0];
    }

    /** Values per item: the product of the other dimensions. */
    public int itemSize() {
        int n = 1;
        for (int d = 1; d < dims.length; d++) {
            n *= dims[d];
        }
        return n;
    }

    /** The values, row-major, as raw bytes (read them with {@code & 0xFF}); the array is not copied. */
    public byte[] data() {
        return data;
    }

    /** Value {@code i} (row-major), 0..255. */
    public int unsigned(int i) {
        return data[i] & 0xFF;
    }
}
