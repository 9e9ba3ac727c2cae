package io.sparkamp.core.nn;

import io.sparkamp.core.ops.GemmShape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * A whole model: the input size and the layer specs in order. Immutable and shared; {@link #instantiate}
 * makes the per-thread {@link Sequential} that computes. Text forms ({@link #parse}):
 * <ul>
 *   <li>shorthand {@code mlp 784-512-256-10 relu}: linear layers to each size after the first, the
 *       activation (relu, gelu, tanh or sigmoid; default relu) between them, none after the last;</li>
 *   <li>general {@code input 784 | linear 512 | relu | dropout 0.1 | layernorm | linear 10}.</li>
 * </ul>
 * {@link #toSpecString} always writes the general form.
 */
public final class ModelSpec {
    private final int inputSize;
    private final List<LayerSpec> layers;
    /** sizes[i] is the input size of layer i; sizes[layers.size()] the model's output size. */
    private final int[] sizes;

    public ModelSpec(int inputSize, List<LayerSpec> layers) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException("model spec: input size must be positive, got " + inputSize);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("model spec: a model needs at least one layer after 'input " + inputSize + "'");
        }
        this.inputSize = inputSize;
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
        this.sizes = new int[layers.size() + 1];
        sizes[0] = inputSize;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            if (layer instanceof EmbeddingSpec && i > 0) {
                throw new IllegalArgumentException("model spec: layer " + i + " '" + layer.toSpec()
                        + "' takes token ids, so it must be the first layer");
            }
            try {
                sizes[i + 1] = layer.outputSize(sizes[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model spec: layer " + i + " '" + layer.toSpec() + "': " + e.getMessage(), e);
            }
        }
    }

    /** Parses the shorthand or the general form (see the class comment). */
    public static ModelSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("model spec is empty (expected e.g. 'mlp 784-256-10 relu' or 'input 784 | linear 10')");
        }
        String trimmed = text.trim();
        String[] firstWords = trimmed.split("\\s+");
        if (firstWords[0].equalsIgnoreCase("mlp")) {
            return parseMlp(trimmed, firstWords);
        }
        String[] segments = trimmed.split("\\|", -1);
        String first = segments[0].trim();
        String[] inputWords = first.split("\\s+");
        if (!inputWords[0].equalsIgnoreCase("input") || inputWords.length != 2) {
            throw new IllegalArgumentException("model spec: segment 1 '" + first + "': a model starts with 'input N' or 'mlp SIZES'");
        }
        int input = LayerSpecs.positiveInt(inputWords[1], "input size", "model spec: segment 1 '" + first + "'");
        List<LayerSpec> layers = new ArrayList<>();
        for (int s = 1; s < segments.length; s++) {
            String segment = segments[s].trim();
            String where = "model spec: segment " + (s + 1) + " '" + segment + "'";
            if (segment.isEmpty()) {
                throw new IllegalArgumentException(where + ": empty layer (known layers: " + String.join(", ", LayerSpecs.KNOWN) + ")");
            }
            layers.add(LayerSpecs.parse(segment.split("\\s+"), where));
        }
        return new ModelSpec(input, layers);
    }

    private static ModelSpec parseMlp(String text, String[] words) {
        String where = "model spec '" + text + "'";
        if (words.length < 2 || words.length > 3) {
            throw new IllegalArgumentException(where + ": expected 'mlp SIZES [activation]', e.g. 'mlp 784-256-10 relu'");
        }
        String[] sizeTokens = words[1].split("-", -1);
        if (sizeTokens.length < 2) {
            throw new IllegalArgumentException(where + ": an mlp needs at least two sizes (input and output), got '" + words[1] + "'");
        }
        int[] sizes = new int[sizeTokens.length];
        for (int i = 0; i < sizeTokens.length; i++) {
            sizes[i] = LayerSpecs.positiveInt(sizeTokens[i], "size " + (i + 1), where);
        }
        String activationWhere = where + ": activation";
        LayerSpec activation = words.length == 3 ? LayerSpecs.activation(words[2], activationWhere) : new ReluSpec();
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 1; i < sizes.length; i++) {
            if (i > 1) {
                layers.add(activation);
            }
            layers.add(new LinearSpec(sizes[i]));
        }
        return new ModelSpec(sizes[0], layers);
    }

    public int inputSize() {
        return inputSize;
    }

    public int outputSize() {
        return sizes[layers.size()];
    }

    /** The layer specs in order. */
    public List<LayerSpec> layers() {
        return layers;
    }

    /** Values per row entering layer {@code index}. */
    public int layerInputSize(int index) {
        return sizes[index];
    }

    /** The flat parameter buffer: views named "index.kind.tensor", e.g. "0.linear.weight". */
    public ParameterLayout layout() {
        List<ParamView> views = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            String prefix = i + "." + kind(layer) + ".";
            for (ParamShape shape : layer.parameterShapes(sizes[i])) {
                views.add(new ParamView(prefix + shape.name(), offset, shape.rows(), shape.cols()));
                offset = Math.addExact(offset, shape.size());
            }
        }
        return new ParameterLayout(views);
    }

    /** Number of parameters (length of the flat buffer). */
    public int parameterCount() {
        return layout().totalSize();
    }

    /**
     * New master weights for {@code seed}: every layer initialises its slice from its own split of one
     * {@code SplittableRandom(seed)}, so the same seed always gives the same weights.
     */
    public float[] initialize(long seed) {
        int[] offsets = parameterOffsets();
        float[] params = new float[offsets[layers.size()]];
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).initialize(sizes[i], params, offsets[i], root.split());
        }
        return params;
    }

    /**
     * The multiplies one forward and backward of {@code rows} rows issues, in order, as its layers issue
     * them: per Linear layer {@code Y = X·W} (NN), {@code dW += X^T·dY} (TN) and, except for the first
     * layer, {@code dX = dY·W^T} (NT). What a kernel choice should be measured on.
     */
    public List<GemmShape> gemmShapes(int rows) {
        List<GemmShape> shapes = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof LinearSpec) {
                int in = sizes[i];
                int out = sizes[i + 1];
                shapes.add(new GemmShape(rows, out, in, false, false, false));
                shapes.add(new GemmShape(in, out, rows, true, false, true));
                if (i > 0) {
                    shapes.add(new GemmShape(rows, in, out, false, true, false));
                }
            }
        }
        return shapes;
    }

    /** A new computing model (one per thread: layers keep activations between forward and backward). */
    public Sequential instantiate() {
        int[] offsets = parameterOffsets();
        List<Layer> bound = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            bound.add(layers.get(i).bind(sizes[i], offsets[i]));
        }
        return new Sequential(this, bound, offsets[layers.size()]);
    }

    /** The general form, which {@link #parse} turns back into an equal spec. */
    public String toSpecString() {
        StringJoiner joiner = new StringJoiner(" | ");
        joiner.add("input " + inputSize);
        layers.forEach(layer -> joiner.add(layer.toSpec()));
        return joiner.toString();
    }

    /** offsets[i] is where layer i's parameters start; offsets[layers.size()] the total. */
    private int[] parameterOffsets() {
        int[] offsets = new int[layers.size() + 1];
        for (int i = 0; i < layers.size(); i++) {
            int size = 0;
            for (ParamShape shape : layers.get(i).parameterShapes(sizes[i])) {
                size = Math.addExact(size, shape.size());
            }
            offsets[i + 1] = Math.addExact(offsets[i], size);
        }
        return offsets;
    }

    private static String kind(LayerSpec layer) {
        return layer.toSpec().split(" ", 2)[0];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ModelSpec that && inputSize == that.inputSize && layers.equals(that.layers);
    }

    @Override
    public int hashCode() {
        return 31 * inputSize + layers.hashCode();
    }

    @Override
    public String toString() {
        return toSpecString();
    }
}
