package io.sparkamp.core.train;

import io.sparkamp.core.nn.Loss;
import io.sparkamp.core.ops.Reductions;

/** Counting right answers, shared by training metrics and evaluation. */
final class Predictions {
    private Predictions() {
    }

    /** Rows whose arg-max output equals the class target; 0 unless the loss is single-label classification. */
    static long countCorrect(Loss loss, float[] output, float[] targets, int rows, int outputs) {
        if (!"softmax_ce".equals(loss.name())) {
            return 0;
        }
        long correct = 0;
        for (int r = 0; r < rows; r++) {
            if (Reductions.argmaxRow(output, r, outputs) == (int) targets[r]) {
                correct++;
            }
        }
        return correct;
    }
}
