package io.sparkamp.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A small regression problem for tests: {@code y = 0.5 x0 - 1.5 x1 + x2 + 0.3 + noise(0.05)} over 8
 * features drawn uniformly from [-1, 1), as rows of {@code y} double and {@code x} array&lt;float&gt;.
 * The standard deviation of y is about 1.1, so predicting the mean gives an RMSE near 1.1.
 */
public final class RegressionRows {
    public static final StructType SCHEMA = new StructType().add("y", DataTypes.DoubleType)
            .add("x", DataTypes.createArrayType(DataTypes.FloatType));

    private RegressionRows() {
    }

    /** {@code count} rows from {@code seed}. */
    public static List<Row> rows(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[8];
            for (int j = 0; j < 8; j++) {
                x[j] = (float) random.nextDouble(-1, 1);
            }
            rows.add(RowFactory.create(0.5 * x[0] - 1.5 * x[1] + x[2] + 0.3 + 0.05 * random.nextGaussian(), x));
        }
        return rows;
    }
}
