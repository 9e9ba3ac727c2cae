package io.sparkamp.core.nn;

/**
 * {@code dropout P}: inverted dropout. In training each value is kept with probability {@code 1 - P}
 * (one {@code ctx.random().nextDouble()} per value, in row-major order) and scaled by
 * {@code 1 / (1 - P)}; in evaluation the layer is the identity. Pointwise, so in a mixed run the kept
 * values are rounded to the low precision; the mask is kept as one bit per value.
 */
public record DropoutSpec(double probability) implements ShapePreservingSpec {
    public static final String KIND = "dropout";

    public DropoutSpec {
        if (!(probability >= 0.0 && probability < 1.0)) {
            throw new IllegalArgumentException(KIND + ": probability must be in [0, 1), got " + probability);
        }
    }

    @Override
    public String toSpec() {
        return KIND + " " + probability;
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        return new DropoutLayer(probability, outputSize(inputSize));
    }
}
