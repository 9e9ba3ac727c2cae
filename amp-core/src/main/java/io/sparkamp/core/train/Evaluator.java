package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.ops.Gemm;

import java.util.SplittableRandom;

/**
 * Forward-only passes over every row of a source, in the run's precision with dropout off: the loss
 * sum and how many rows the model classifies right. Owns a model instance: one per thread.
 */
public final class Evaluator {
    private final ModelSpec model;
    private final Loss loss;
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final int chunkRows;
    private final Sequential network;

    public Evaluator(ModelSpec model, Loss loss, AutocastPolicy policy, Gemm gemm, int chunkRows) {
        this.model = model;
        this.loss = loss;
        this.policy = policy;
        this.gemm = gemm;
        this.chunkRows = chunkRows;
        this.network = model.instantiate();
    }

    /** Loss and accuracy of {@code weights} on all rows of {@code source}. */
    public Evaluation evaluate(RowSource source, WorkingWeights weights) {
        int features = source.featureCount();
        int width = source.targetWidth();
        int outputs = model.outputSize();
        int rows = source.rowCount();
        float[] x = new float[Math.min(chunkRows, Math.max(rows, 1)) * features];
        float[] targets = new float[Math.min(chunkRows, Math.max(rows, 1)) * width];
        ComputeContext ctx = new ComputeContext(policy, gemm, weights, false, new SplittableRandom(0));
        double lossSum = 0;
        long correct = 0;
        boolean values = loss.predictsValues();
        double squaredErrors = 0;
        double targetSum = 0;
        double targetSquares = 0;
        for (int start = 0; start < rows; start += chunkRows) {
            int count = Math.min(chunkRows, rows - start);
            for (int i = 0; i < count; i++) {
                source.copyFeatures(start + i, x, i * features);
                source.copyTargets(start + i, targets, i * width);
            }
            float[] output = network.forward(ctx, x, count);
            lossSum += loss.sum(output, targets, count, outputs);
            correct += loss.countCorrect(output, targets, count, outputs);
            if (values) {
                for (int i = 0; i < count * outputs; i++) {
                    double error = (double) output[i] - targets[i];
                    squaredErrors += error * error;
                    targetSum += targets[i];
                    targetSquares += (double) targets[i] * targets[i];
                }
            }
        }
        return values ? new Evaluation(lossSum, rows, (long) rows * outputs, squaredErrors, targetSum, targetSquares)
                : new Evaluation(lossSum, correct, rows);
    }
}
