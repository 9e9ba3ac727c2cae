package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The training data breaks a rule the model or loss needs; nothing was trained. A {@link ConfigException},
 * so the CLI exits with status 2. The message names the dataset, and for each problem the column, the
 * number of bad rows and the first bad row with its value.
 */
public class DataValidationException extends ConfigException {
    private final String source;
    private final List<DataValidator.Problem> problems;

    public DataValidationException(String source, long rows, List<DataValidator.Problem> problems) {
        super(message(source, rows, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** The dataset {@code source} has no rows. */
    static DataValidationException empty(String source) {
        return new DataValidationException(source, 0,
                List.of(new DataValidator.Problem(DataValidator.Check.EMPTY, "dataset", 0, -1, "", "", "", "")));
    }

    /** The dataset as messages name it. */
    public String source() {
        return source;
    }

    /** Every rule that failed, in the order the validator checks them. */
    public List<DataValidator.Problem> problems() {
        return problems;
    }

    private static String message(String source, long rows, List<DataValidator.Problem> problems) {
        String head = "invalid training data in " + source + " (" + rows + " rows); nothing was trained:";
        return problems.stream().map(p -> "\n  - " + p.describe()).collect(Collectors.joining("", head, ""));
    }
}
