package io.sparkamp.spark.cli;

/** Process exit codes of every command. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A runtime failure (Spark, I/O, a run that diverged). */
    public static final int RUNTIME_FAILURE = 1;
    /** Bad input or config: the message names the file, column, row or key. */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {
    }
}
