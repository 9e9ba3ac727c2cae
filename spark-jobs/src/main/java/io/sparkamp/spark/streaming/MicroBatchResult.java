package io.sparkamp.spark.streaming;

import io.sparkamp.spark.report.MetricsReporter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one applied micro-batch did, for the progress line and the micro-batch metrics line.
 *
 * @param batchId         Spark's micro-batch id
 * @param rows            rows the micro-batch brought
 * @param trainingRows    rows trained on: the micro-batch's plus the replay window's
 * @param files           the input files of the micro-batch (empty for sources without files)
 * @param firstStep       the stream's step count before the micro-batch
 * @param steps           optimizer steps attempted on it
 * @param skippedSteps    of those, steps skipped for a non-finite gradient
 * @param meanLoss        mean training loss over its steps (skipped ones too: their forward pass ran)
 * @param lastLoss        training loss of its last step
 * @param lossScale       the loss scale after it
 * @param trainSeconds    seconds spent in its steps
 * @param batchSeconds    seconds from the start of foreachBatch to the model commit
 * @param commitSeconds   seconds spent writing the model commit
 * @param committedAtMs   wall-clock time of the commit (epoch milliseconds)
 * @param checkpoint      the commit's path
 */
record MicroBatchResult(long batchId, long rows, long trainingRows, List<String> files, long firstStep, long steps,
                        long skippedSteps, double meanLoss, double lastLoss, float lossScale, double trainSeconds,
                        double batchSeconds, double commitSeconds, long committedAtMs, String checkpoint) {

    /** An empty micro-batch: no rows, no steps, the model as it was ({@code checkpoint} its newest commit). */
    static MicroBatchResult empty(long batchId, List<String> files, long step, float lossScale, double batchSeconds,
                                  double commitSeconds, long committedAtMs, String checkpoint) {
        return new MicroBatchResult(batchId, 0, 0, files, step, 0, 0, Double.NaN, Double.NaN, lossScale, 0, batchSeconds,
                commitSeconds, committedAtMs, checkpoint);
    }

    /** Rows per second through the optimizer steps (global batch × steps over step time). */
    double samplesPerSecond(int batchSize) {
        return trainSeconds <= 0 ? 0 : steps * (double) batchSize / trainSeconds;
    }

    /** One line for stderr. */
    String progressLine(int batchSize) {
        if (steps == 0) {
            return String.format("batch %d  rows 0  nothing to train: recorded as applied in %.2f s", batchId, batchSeconds);
        }
        return String.format("batch %d  rows %d%s  steps %d (%d-%d)  loss %.4f  scale %s  skipped %d  %.0f samples/s  committed in %.2f s",
                batchId, rows, trainingRows == rows ? "" : " (+" + (trainingRows - rows) + " replayed)", steps, firstStep + 1,
                firstStep + steps, lastLoss, MetricsReporter.scale(lossScale), skippedSteps, samplesPerSecond(batchSize), batchSeconds);
    }

    /** The micro-batch metrics line. */
    Map<String, Object> json(int batchSize) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("batch_id", batchId);
        line.put("rows", rows);
        line.put("training_rows", trainingRows);
        line.put("files", files);
        line.put("first_step", firstStep + 1);
        line.put("last_step", firstStep + steps);
        line.put("steps", steps);
        line.put("skipped_steps", skippedSteps);
        line.put("loss", lastLoss);
        line.put("mean_loss", meanLoss);
        line.put("loss_scale", lossScale);
        line.put("samples_per_second", samplesPerSecond(batchSize));
        line.put("train_seconds", trainSeconds);
        line.put("batch_seconds", batchSeconds);
        line.put("commit_seconds", commitSeconds);
        line.put("committed_at_ms", committedAtMs);
        line.put("checkpoint", checkpoint);
        return line;
    }
}
