package io.sparkamp.core.train;

/**
 * Loss, accuracy and regression errors of a model on a dataset; also a running sum that partitions add
 * up in order. Accuracy means something for classifying losses, RMSE and R² for value-predicting ones
 * ({@link io.sparkamp.core.loss.Loss#predictsValues()}); the other figures are NaN.
 * A plain class rather than a record because it crosses JVMs through Kryo, which cannot set record fields.
 */
public final class Evaluation {
    /** No rows. */
    public static final Evaluation EMPTY = new Evaluation(0, 0, 0);

    private double lossSum;
    private long correct;
    private long rows;
    private long values;
    private double squaredErrorSum;
    private double targetSum;
    private double targetSquaredSum;

    /** Kryo needs a no-argument constructor. */
    Evaluation() {
    }

    /**
     * @param lossSum sum of per-row losses
     * @param correct rows whose predicted class is the target (classification losses only)
     * @param rows    rows evaluated
     */
    public Evaluation(double lossSum, long correct, long rows) {
        this.lossSum = lossSum;
        this.correct = correct;
        this.rows = rows;
    }

    public double lossSum() {
        return lossSum;
    }

    public long correct() {
        return correct;
    }

    public long rows() {
        return rows;
    }

    /**
     * A value-predicting evaluation.
     *
     * @param values           predicted values compared (rows x outputs)
     * @param squaredErrorSum  sum of (prediction - target)^2
     * @param targetSum        sum of the targets
     * @param targetSquaredSum sum of the squared targets
     */
    public Evaluation(double lossSum, long rows, long values, double squaredErrorSum, double targetSum, double targetSquaredSum) {
        this(lossSum, 0, rows);
        this.values = values;
        this.squaredErrorSum = squaredErrorSum;
        this.targetSum = targetSum;
        this.targetSquaredSum = targetSquaredSum;
    }

    /** The sum of this and {@code other}. */
    public Evaluation plus(Evaluation other) {
        Evaluation sum = new Evaluation(lossSum + other.lossSum, correct + other.correct, rows + other.rows);
        sum.values = values + other.values;
        sum.squaredErrorSum = squaredErrorSum + other.squaredErrorSum;
        sum.targetSum = targetSum + other.targetSum;
        sum.targetSquaredSum = targetSquaredSum + other.targetSquaredSum;
        return sum;
    }

    /** Whether regression errors were measured (the loss predicts values). */
    public boolean hasRegressionMetrics() {
        return values > 0;
    }

    /** Root mean squared error of the predicted values (NaN unless {@link #hasRegressionMetrics()}). */
    public double rmse() {
        return values == 0 ? Double.NaN : Math.sqrt(squaredErrorSum / values);
    }

    /** Coefficient of determination: 1 - SSE / total sum of squares around the targets' mean (NaN unless measured). */
    public double r2() {
        if (values == 0) {
            return Double.NaN;
        }
        double total = targetSquaredSum - targetSum * targetSum / values;
        return total <= 0 ? Double.NaN : 1 - squaredErrorSum / total;
    }

    /** Mean loss per row (NaN with no rows). */
    public double meanLoss() {
        return rows == 0 ? Double.NaN : lossSum / rows;
    }

    /** Fraction of rows classified right (NaN with no rows). */
    public double accuracy() {
        return rows == 0 ? Double.NaN : (double) correct / rows;
    }
}
