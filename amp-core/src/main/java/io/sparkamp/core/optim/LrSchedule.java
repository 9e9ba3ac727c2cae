package io.sparkamp.core.optim;

/**
 * A learning-rate schedule: the rate as a pure function of the optimizer step number (0 for the first applied
 * step). Pure so that a resumed run gets the same rates without restoring any schedule state, and so that the
 * caller decides which steps count (by default skipped overflow steps do not advance the schedule).
 */
public interface LrSchedule {

    /** The learning rate for optimizer step {@code optimizerStep} (&gt;= 0). */
    float lrAt(long optimizerStep);

    /** One line for logs and provenance, e.g. {@code cosine(base-lr=0.001, warmup-steps=100, ...)}. */
    String describe();
}
