package io.sparkamp.core.train;

/**
 * A run that finished its steps without learning anything usable (its loss is not finite, or its last
 * steps were all skipped). The message is the diagnosis, written for the user.
 */
public final class TrainingFailedException extends RuntimeException {
    public TrainingFailedException(String diagnosis) {
        super(diagnosis);
    }
}
