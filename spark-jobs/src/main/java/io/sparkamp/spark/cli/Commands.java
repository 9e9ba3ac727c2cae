package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every {@code amp} command, by name, in the order --help lists them. */
public final class Commands {
    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    private static final Map<String, Command> BY_NAME = new LinkedHashMap<>();

    static {
        register(Command.of("quickstart", "generate the synthetic quickstart data if missing, then train it (conf/quickstart.conf)",
                "amp quickstart [--key value ...]", JobSettings.TRAINING, QuickstartCommand::run));
        register(Command.of("train", "train a model on a dataset; flags override the config file",
                "amp train --config FILE [--key value ...]", JobSettings.TRAINING, (s, out) -> {
                    JobConfig job = JobConfig.from(s);
                    SparkSession spark = SparkSessions.create(job.master(), "spark-amp train");
                    try {
                        TrainCommand.run(job, spark, out);
                    } finally {
                        spark.stop();
                    }
                    return ExitCodes.OK;
                }));
        register(Command.of("evaluate", "loss and accuracy of a checkpoint on a dataset, as JSON",
                "amp evaluate --checkpoint PATH --data PATH [--key value ...]",
                JobSettings.concat(List.of(CheckpointArgs.CHECKPOINT), JobSettings.DATA_COLUMNS,
                        List.of(EngineSettings.PRECISION.derivedDefault("the checkpoint's"), JobSettings.MASTER)),
                EvaluateCommand::run));
        register(Command.of("inspect", "a checkpoint's step, scaler state, optimizer, model, config and provenance, as JSON",
                "amp inspect --checkpoint PATH", List.of(CheckpointArgs.CHECKPOINT, JobSettings.MASTER), InspectCommand::run));
        register(Command.of("generate", "write a synthetic train/test set as Parquet",
                "amp generate --out DIR [--key value ...]", DataCommands.GENERATE_SETTINGS, DataCommands::generate));
        register(Command.of("convert-fashion-mnist", "turn the Fashion-MNIST IDX files into Parquet train/ and test/ sets",
                "amp convert-fashion-mnist [--in DIR] --out DIR", DataCommands.CONVERT_SETTINGS, DataCommands::convertFashionMnist));
        // Commands of other packages (bench, predict, export, compare, stream-train) register through the service
        // loader, so this package does not depend on them.
        // A plug-in whose classes cannot load here (e.g. one that needs a library only bin/amp's classpath has) is
        // left out with a warning instead of taking every other command down with it.
        ServiceLoader.load(Command.class, Commands.class.getClassLoader()).stream().forEach(provider -> {
            try {
                Command command = provider.get();
                command.settings();
                register(command);
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.warn("command {} is not available here: {}", provider.type().getName(), e.toString());
            }
        });
    }

    private Commands() {
    }

    /** Adds a command (other surfaces of the project register theirs here too). */
    static void register(Command command) {
        if (BY_NAME.putIfAbsent(command.name(), command) != null) {
            throw new IllegalStateException("two commands named " + command.name());
        }
    }

    /** The command called {@code name}; the error lists the known ones. */
    public static Command named(String name) {
        Command command = BY_NAME.get(name);
        if (command == null) {
            throw new ConfigException("unknown command '" + name + "' (expected one of " + String.join(", ", BY_NAME.keySet())
                    + "; `amp --help` lists them)");
        }
        return command;
    }

    /** Every command, in --help order. */
    public static List<Command> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** Whether {@code key} is a setting that takes no value (a boolean) in any command. */
    static boolean isSwitch(String key) {
        for (Command c : BY_NAME.values()) {
            for (Setting<?> s : c.settings()) {
                if (s.key().equals(key) && s.type() == Setting.Type.BOOLEAN) {
                    return true;
                }
            }
        }
        return false;
    }
}
