package io.sparkamp.spark.ml;

import io.sparkamp.core.train.StepListener;
import io.sparkamp.core.train.StepOutcome;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@code fit} went: every step (loss, loss scale, whether it was skipped, learning rate, rows) and
 * the run's summary as {@code amp train} prints it (steps, skipped steps, final loss scale, samples/s, and
 * the test metrics when test data was given: accuracy for classifiers, RMSE and R² for regressors).
 * Like Spark's own training summaries it lives with the fitted model object and is not saved with it.
 */
public final class TrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One step of the run. */
    public record Step(long step, double loss, float lossScale, boolean skipped, float learningRate, long rows)
            implements Serializable {
    }

    private final List<Step> steps;
    private final Map<String, Object> summary;

    TrainingSummary(List<Step> steps, Map<String, Object> summary) {
        this.steps = Collections.unmodifiableList(new ArrayList<>(steps));
        this.summary = Collections.unmodifiableMap(new LinkedHashMap<>(summary));
    }

    /** Records the steps of a run as they happen. */
    static final class Recorder implements StepListener {
        private final List<Step> steps = new ArrayList<>();

        @Override
        public void onStep(io.sparkamp.core.train.TrainingState state, StepOutcome o, io.sparkamp.core.train.StepTiming timing) {
            steps.add(new Step(o.step(), o.trainLoss(), o.lossScale(), o.skipped(), o.learningRate(), o.rows()));
        }

        List<Step> steps() {
            return steps;
        }
    }

    /** Every step, in order. */
    public List<Step> steps() {
        return steps;
    }

    /** The training loss of every step (NaN for a skipped step's), in order. */
    public double[] lossHistory() {
        return steps.stream().mapToDouble(Step::loss).toArray();
    }

    /** The run's summary fields as {@code amp train} prints them, e.g. "skipped_steps", "samples_per_second", "test_accuracy". */
    public Map<String, Object> asMap() {
        return summary;
    }

    /** Steps skipped because a gradient was not finite. */
    public long skippedSteps() {
        return number("skipped_steps").longValue();
    }

    /** The loss scale the run ended with. */
    public double lossScale() {
        return number("loss_scale").doubleValue();
    }

    /** Training rows per second inside the steps. */
    public double samplesPerSecond() {
        return number("samples_per_second").doubleValue();
    }

    /** A figure of the run's summary ("test_accuracy", "test_rmse", "test_r2", "test_loss", ...), NaN when absent. */
    public double metric(String name) {
        Object v = summary.get(name);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private Number number(String key) {
        Object v = summary.get(key);
        return v instanceof Number n ? n : Double.NaN;
    }

    @Override
    public String toString() {
        return "TrainingSummary[" + steps.size() + " steps, " + summary + "]";
    }
}
