package io.sparkamp.spark.transport;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures what the driver pays per step to take partials over gRPC: a {@link StepServer} in this JVM,
 * {@code senders} clients (threads) that each answer every step with a partial of {@code parameters}
 * FP32 gradients, and the driver publishing FP32 weights, waiting for all partials and summing them in
 * partition order, as the barrier transport does. For the benchmark's projection to many executors.
 */
public final class DriverReceiveProbe {
    /** Median step time and what it moved. */
    public record Result(int senders, double medianStepMs, double megabytesPerStep) {
        public double msPerMegabyte() {
            return medianStepMs / megabytesPerStep;
        }
    }

    private DriverReceiveProbe() {
    }

    public static Result measure(int parameters, int senders, int steps, int untimed) {
        long token = new SecureRandom().nextLong();
        StepBoard board = new StepBoard(senders, 1_000);
        ExecutorService threads = Executors.newFixedThreadPool(senders);
        float[] master = new float[parameters];
        double[] stepMs = new double[steps];
        try (StepServer server = StepServer.start("localhost", 0, token, board)) {
            List<Future<Long>> tasks = new ArrayList<>();
            for (int p = 0; p < senders; p++) {
                int partition = p;
                tasks.add(threads.submit(() -> {
                    try (StepClient client = new StepClient("localhost", server.port(), 60_000)) {
                        return TaskStepLoop.run(client, token, partition, 0, (assignment, weights) -> {
                            GradientPartial partial = new GradientPartial(parameters);
                            Arrays.fill(partial.gradients(), assignment.step() * 1e-3f);
                            return partial;
                        }, () -> { });
                    }
                }));
            }
            for (int step = 0; step < untimed + steps; step++) {
                long started = System.nanoTime();
                PartitionAssignment[] assignments = new PartitionAssignment[senders];
                for (int p = 0; p < senders; p++) {
                    assignments[p] = new PartitionAssignment(1L, step, 1, senders, 1f);
                }
                board.publish(WorkingWeights.fromFloats(master), assignments);
                GradientPartial[] partials = board.awaitPartials(() -> null);
                GradientPartial sum = partials[0];
                for (int p = 1; p < senders; p++) {
                    sum.merge(partials[p]);
                }
                if (step >= untimed) {
                    stepMs[step - untimed] = (System.nanoTime() - started) / 1e6;
                }
            }
            board.stop();
            for (Future<Long> task : tasks) {
                task.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a sender failed: " + e.getCause(), e.getCause());
        } finally {
            threads.shutdownNow();
        }
        Arrays.sort(stepMs);
        return new Result(senders, stepMs[steps / 2], senders * (parameters * 4.0 + 45) / 1e6);
    }
}
