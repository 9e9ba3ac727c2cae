package io.sparkamp.core.data;

import java.util.SplittableRandom;

/**
 * A deterministic generated classification problem: each class is a Gaussian cloud around a random
 * centre, and features pass through a fixed random rotation-free nonlinearity (tanh) so a linear model
 * is not enough for a perfect score. Same seed → same rows, on any machine.
 */
public final class SyntheticClassification {
    private final int features;
    private final int classes;
    private final float noise;
    private final long seed;
    private final float[] centres;

    /**
     * @param features values per row
     * @param classes  number of classes (labels 0..classes-1)
     * @param noise    standard deviation of the per-row noise around a class centre
     * @param seed     seed of the centres; rows come from {@link #generate}'s own seed
     */
    public SyntheticClassification(int features, int classes, float noise, long seed) {
        if (features <= 0 || classes < 2 || !(noise >= 0)) {
            throw new IllegalArgumentException("synthetic data needs features > 0, classes >= 2 and noise >= 0; got "
                    + features + ", " + classes + ", " + noise);
        }
        this.features = features;
        this.classes = classes;
        this.noise = noise;
        this.seed = seed;
        this.centres = new float[classes * features];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) random.nextGaussian();
        }
    }

    public int features() {
        return features;
    }

    public int classes() {
        return classes;
    }

    /** {@code rows} rows; the stream of {@code rowSeed} decides labels and noise. */
    public ArrayRowSource generate(int rows, long rowSeed) {
        float[] x = new float[rows * features];
        float[] y = new float[rows];
        SplittableRandom random = new SplittableRandom(rowSeed ^ (seed * 0x9E3779B97F4A7C15L));
        for (int r = 0; r < rows; r++) {
            int label = random.nextInt(classes);
            y[r] = label;
            for (int j = 0; j < features; j++) {
                double v = centres[label * features + j] + noise * random.nextGaussian();
                x[r * features + j] = (float) Math.tanh(v);
            }
        }
        return new ArrayRowSource(x, features, y, 1);
    }
}
