package io.sparkamp.core.nn;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {

    @Test
    void mlpShorthandBuildsLinearLayersWithTheActivationBetween() {
        ModelSpec spec = ModelSpec.parse("mlp 784-512-256-10 relu");
        assertEquals(784, spec.inputSize());
        assertEquals(10, spec.outputSize());
        assertEquals(List.of(new LinearSpec(512), new ReluSpec(), new LinearSpec(256), new ReluSpec(), new LinearSpec(10)), spec.layers());
        // 784*512 + 512 + 512*256 + 256 + 256*10 + 10
        assertEquals(535_818, spec.parameterCount());
        assertEquals(535_818, spec.instantiate().parameterCount());
        assertEquals(535_818, spec.initialize(1).length);
    }

    @Test
    void mlpActivationDefaultsToReluAndAcceptsTheOthers() {
        assertEquals(ModelSpec.parse("mlp 4-3-2 relu"), ModelSpec.parse("mlp 4-3-2"));
        assertEquals("input 4 | linear 3 | gelu | linear 2", ModelSpec.parse("mlp 4-3-2 gelu").toSpecString());
        assertEquals("input 4 | linear 3 | tanh | linear 2", ModelSpec.parse("mlp 4-3-2 tanh").toSpecString());
        assertEquals("input 4 | linear 3 | sigmoid | linear 2", ModelSpec.parse("mlp 4-3-2 sigmoid").toSpecString());
        assertEquals("input 4 | linear 2", ModelSpec.parse("mlp 4-2").toSpecString());
    }

    @Test
    void generalFormKnowsSizesAndNamesEveryTensor() {
        ModelSpec spec = ModelSpec.parse("input 784 | linear 512 | relu | dropout 0.1 | layernorm | linear 10");
        assertEquals(784, spec.inputSize());
        assertEquals(10, spec.outputSize());
        ParameterLayout layout = spec.layout();
        List<String> names = layout.views().stream().map(ParamView::name).toList();
        assertEquals(List.of("0.linear.weight", "0.linear.bias", "3.layernorm.gamma", "3.layernorm.beta", "4.linear.weight", "4.linear.bias"), names);
        assertEquals(new ParamView("0.linear.weight", 0, 784, 512), layout.view("0.linear.weight"));
        assertEquals(new ParamView("3.layernorm.gamma", 784 * 512 + 512, 1, 512), layout.view("3.layernorm.gamma"));
        assertEquals(784 * 512 + 512 + 2 * 512 + 512 * 10 + 10, layout.totalSize());
    }

    @Test
    void embeddingModelSizes() {
        ModelSpec spec = ModelSpec.parse("input 16 | embedding 1000 8 | linear 10");
        assertEquals(16, spec.inputSize());
        assertEquals(10, spec.outputSize());
        assertEquals(128, spec.layerInputSize(1));
        assertEquals(new ParamView("0.embedding.table", 0, 1000, 8), spec.layout().view("0.embedding.table"));
        assertEquals(8000 + 128 * 10 + 10, spec.parameterCount());
    }

    @Test
    void specStringRoundTrips() {
        for (String text : new String[] {
                "mlp 784-512-256-10 relu",
                "input 784 | linear 512 | relu | dropout 0.1 | layernorm | linear 10",
                "input 16 | embedding 1000 8 | linear 10",
                "input 3 | linear 4 | gelu | dropout 0.0 | tanh | sigmoid | dropout 1.0E-5 | layernorm"}) {
            ModelSpec spec = ModelSpec.parse(text);
            ModelSpec again = ModelSpec.parse(spec.toSpecString());
            assertEquals(spec, again, text);
            assertEquals(spec.hashCode(), again.hashCode());
            assertEquals(spec.toSpecString(), again.toSpecString());
        }
        assertEquals(ModelSpec.parse("  INPUT 3|Linear 2 |  RELU "), ModelSpec.parse("input 3 | linear 2 | relu"));
        assertFalse(ModelSpec.parse("input 3 | linear 2").equals(ModelSpec.parse("input 4 | linear 2")));
    }

    @Test
    void initialisationIsDeterministicPerSeed() {
        ModelSpec spec = ModelSpec.parse("input 6 | linear 5 | layernorm | linear 3");
        assertArrayEquals(spec.initialize(7), spec.initialize(7));
        assertFalse(java.util.Arrays.equals(spec.initialize(7), spec.initialize(8)));
        float[] params = spec.initialize(7);
        ParamView gamma = spec.layout().view("1.layernorm.gamma");
        for (int i = 0; i < gamma.size(); i++) {
            assertEquals(1f, params[gamma.offset() + i]);
        }
    }

    @Test
    void unknownLayerNamesThePositionAndListsKnownLayers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linaer 3"));
        assertMessage(e, "segment 2", "'linaer'", "linear, relu, gelu, tanh, sigmoid, layernorm, dropout, embedding");
    }

    @Test
    void badNumbersAndArgumentsAreNamed() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linear abc")),
                "segment 2", "'abc' is not a whole number");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linear -3")),
                "segment 2", "must be positive");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linear")),
                "segment 2", "linear OUT");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | relu 3")),
                "segment 2", "0 arguments");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | dropout 1.5")),
                "segment 2", "[0, 1)");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | dropout x")),
                "segment 2", "'x' is not a number");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linear 3 || relu")),
                "segment 3", "empty layer");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input x | linear 3")),
                "segment 1", "'x'");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("linear 3 | relu")),
                "segment 1", "'input N'");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4")), "at least one layer");
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("  "));
    }

    @Test
    void mlpErrors() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("mlp 784")), "at least two sizes");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("mlp 784-x-10")), "size 2", "'x'");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("mlp 784-0-10")), "size 2", "positive");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("mlp 4-2 swish")),
                "'swish'", "relu, gelu, tanh, sigmoid");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("mlp 4-2 relu extra")), "mlp SIZES");
    }

    @Test
    void sizeMismatchesAreRejected() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | linear 3 | embedding 10 2")),
                "layer 1", "embedding 10 2", "first layer");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 0 | linear 3")), "input size", "positive");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("input 4 | embedding 100000 100000")),
                "does not fit");
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }
}
