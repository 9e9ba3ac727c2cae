package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

import java.util.SplittableRandom;

/**
 * Forward-only passes over every row of a source, in the run's precision with dropout off: the loss
 * sum and how many rows the model classifies right. Owns a model instance and its off-heap buffers
 * (freed by {@link #close()}): one per thread.
 */
public final class Evaluator implements AutoCloseable {
    private final ModelSpec model;
    private final Loss loss;
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final int chunkRows;
    private final Sequential network;
    private final Workspace workspace = Workspace.offHeap();
    private final MicroBatchInput input = new MicroBatchInput(workspace);

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
        int outputs = model.outputSize();
        int rows = source.rowCount();
        ComputeContext ctx = new ComputeContext(policy, gemm, weights, false, new SplittableRandom(0), workspace);
        double lossSum = 0;
        long correct = 0;
        boolean values = loss.predictsValues();
        double squaredErrors = 0;
        double targetSum = 0;
        double targetSquares = 0;
        for (int start = 0; start < rows; start += chunkRows) {
            int count = Math.min(chunkRows, rows - start);
            int[] chunk = MicroBatchInput.range(start, count);
            Matrix x = input.features(source, chunk, 0, count);
            float[] targets = input.targets(source, chunk, 0, count);
            float[] output = input.outputs(network.forward(ctx, x));
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

    /** Frees the evaluator's off-heap buffers. */
    @Override
    public void close() {
        workspace.close();
    }
}
