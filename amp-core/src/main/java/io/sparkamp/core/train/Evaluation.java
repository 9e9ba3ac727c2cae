package io.sparkamp.core.train;

/**
 * Loss and accuracy of a model on a dataset; also a running sum that partitions add up in order.
 * A plain class rather than a record because it crosses JVMs through Kryo, which cannot set record fields.
 */
public final class Evaluation {
    /** No rows. */
    public static final Evaluation EMPTY = new Evaluation(0, 0, 0);

    private double lossSum;
    private long correct;
    private long rows;

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

    /** The sum of this and {@code other}. */
    public Evaluation plus(Evaluation other) {
        return new Evaluation(lossSum + other.lossSum, correct + other.correct, rows + other.rows);
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
