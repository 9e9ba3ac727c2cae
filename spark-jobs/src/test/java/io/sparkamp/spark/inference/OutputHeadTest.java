package io.sparkamp.spark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * The prediction columns of each head against values computed independently: softmax([1, 2, 3]) and
 * sigmoid(2) to 16 digits from the closed forms (e.g. {@code python3 -c "import math; print(1/(1+math.exp(-2)))"}).
 */
class OutputHeadTest {
    @Test
    void softmaxClassifier() {
        float[] logits = {0f, 0f, 0f, 1f, 2f, 3f};
        OutputHead head = OutputHead.of("softmax_ce", 3);
        assertEquals(OutputHead.CLASSIFICATION, head);
        assertArrayEquals(new double[] {0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
                head.probability(logits, 1, 3).toArray(), 1e-15);
        assertArrayEquals(new double[] {1, 2, 3}, head.rawPrediction(logits, 1, 3).toArray());
        assertEquals(2.0, head.prediction(logits, 1, 3));
        assertEquals(0.0, head.prediction(logits, 0, 3), "ties go to the first class");
        float[] huge = {1000f, 0f, -1000f};
        assertArrayEquals(new double[] {1, 0, 0}, head.probability(huge, 0, 3).toArray(), 1e-300, "no overflow");
    }

    @Test
    void binaryLogisticAsSparkWritesIt() {
        float[] z = {2f, 0f, -2f};
        OutputHead head = OutputHead.of("bce_logits", 1);
        assertEquals(OutputHead.BINARY, head);
        assertEquals(2, head.vectorSize(1));
        assertArrayEquals(new double[] {1 - 0.8807970779778823, 0.8807970779778823}, head.probability(z, 0, 1).toArray(), 1e-15);
        assertArrayEquals(new double[] {-2, 2}, head.rawPrediction(z, 0, 1).toArray());
        assertEquals(1.0, head.prediction(z, 0, 1));
        assertEquals(0.0, head.prediction(z, 1, 1), "probability exactly 0.5 is not above the threshold");
        assertEquals(0.0, head.prediction(z, 2, 1));
    }

    @Test
    void multiLabelAndRegression() {
        OutputHead labels = OutputHead.of("bce_logits", 2);
        assertEquals(OutputHead.MULTI_LABEL, labels);
        assertArrayEquals(new double[] {0.8807970779778823, 0.5}, labels.probability(new float[] {2f, 0f}, 0, 2).toArray(), 1e-15);
        OutputHead regression = OutputHead.of("mse", 1);
        assertEquals(-1.25, regression.prediction(new float[] {3f, -1.25f}, 1, 1));
        assertTrue(!regression.classifier());
        ConfigException e = assertThrows(ConfigException.class, () -> OutputHead.of("mse", 3));
        assertTrue(e.getMessage().contains("mse model with 3 outputs"), e.getMessage());
    }
}
