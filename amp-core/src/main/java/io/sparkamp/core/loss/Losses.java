package io.sparkamp.core.loss;

import java.util.List;
import java.util.Locale;

/** The losses by the names users type. */
public final class Losses {
    /** Every known loss name, in the order error messages list them. */
    public static final List<String> NAMES = List.of(SoftmaxCrossEntropy.NAME, BinaryCrossEntropyWithLogits.NAME, MeanSquaredError.NAME);

    private Losses() {
    }

    /** The loss called {@code name} (any case); the error lists the known names. */
    public static Loss byName(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case SoftmaxCrossEntropy.NAME:
                return new SoftmaxCrossEntropy();
            case BinaryCrossEntropyWithLogits.NAME:
                return new BinaryCrossEntropyWithLogits();
            case MeanSquaredError.NAME:
                return new MeanSquaredError();
            default:
                throw new IllegalArgumentException("loss: unknown loss '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        }
    }
}
