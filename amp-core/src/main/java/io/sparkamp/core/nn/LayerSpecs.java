package io.sparkamp.core.nn;

import java.util.List;
import java.util.Locale;

/** Parses one layer's spec text ("linear 512", "dropout 0.1", ...) into its {@link LayerSpec}. */
final class LayerSpecs {
    /** Every layer word the parser knows, in the order error messages list them. */
    static final List<String> KNOWN = List.of(LinearSpec.KIND, ReluSpec.KIND, SmoothActivation.GELU.kind(),
            SmoothActivation.TANH.kind(), SmoothActivation.SIGMOID.kind(), LayerNormSpec.KIND, DropoutSpec.KIND, EmbeddingSpec.KIND);

    private LayerSpecs() {
    }

    /**
     * The spec of {@code words} (the layer word then its arguments); {@code where} names the position in
     * the model text for error messages, e.g. "segment 3 'linear x'".
     */
    static LayerSpec parse(String[] words, String where) {
        String kind = words[0].toLowerCase(Locale.ROOT);
        switch (kind) {
            case LinearSpec.KIND:
                requireArguments(words, 1, "linear OUT", where);
                return new LinearSpec(positiveInt(words[1], "output size", where));
            case ReluSpec.KIND:
                requireArguments(words, 0, "relu", where);
                return new ReluSpec();
            case "gelu":
            case "tanh":
            case "sigmoid":
                requireArguments(words, 0, kind, where);
                return new SmoothActivationSpec(SmoothActivation.valueOf(kind.toUpperCase(Locale.ROOT)));
            case LayerNormSpec.KIND:
                requireArguments(words, 0, "layernorm", where);
                return new LayerNormSpec();
            case DropoutSpec.KIND:
                requireArguments(words, 1, "dropout P", where);
                double p = number(words[1], "dropout probability", where);
                if (!(p >= 0.0 && p < 1.0)) {
                    throw new IllegalArgumentException(where + ": dropout probability must be in [0, 1), got " + words[1]);
                }
                return new DropoutSpec(p);
            case EmbeddingSpec.KIND:
                requireArguments(words, 2, "embedding VOCAB DIM", where);
                return new EmbeddingSpec(positiveInt(words[1], "vocabulary size", where), positiveInt(words[2], "embedding dimension", where));
            default:
                throw new IllegalArgumentException(where + ": unknown layer '" + words[0] + "' (known layers: "
                        + String.join(", ", KNOWN) + ")");
        }
    }

    /** The parameter-free activation called {@code name} (relu, gelu, tanh, sigmoid). */
    static LayerSpec activation(String name, String where) {
        String kind = name.toLowerCase(Locale.ROOT);
        switch (kind) {
            case ReluSpec.KIND:
                return new ReluSpec();
            case "gelu":
            case "tanh":
            case "sigmoid":
                return new SmoothActivationSpec(SmoothActivation.valueOf(kind.toUpperCase(Locale.ROOT)));
            default:
                throw new IllegalArgumentException(where + ": unknown activation '" + name + "' (known: relu, gelu, tanh, sigmoid)");
        }
    }

    static int positiveInt(String text, String what, String where) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + what + " '" + text + "' is not a whole number", e);
        }
        if (value <= 0) {
            throw new IllegalArgumentException(where + ": " + what + " must be positive, got " + value);
        }
        return value;
    }

    private static double number(String text, String what, String where) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + what + " '" + text + "' is not a number", e);
        }
    }

    private static void requireArguments(String[] words, int count, String usage, String where) {
        if (words.length - 1 != count) {
            throw new IllegalArgumentException(where + ": expected '" + usage + "' (" + count + " argument"
                    + (count == 1 ? "" : "s") + "), got " + (words.length - 1));
        }
    }
}
