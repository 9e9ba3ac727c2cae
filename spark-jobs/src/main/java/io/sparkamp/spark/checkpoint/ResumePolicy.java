package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a resumed run may change, setting by setting. Three classes:
 * <ul>
 *   <li><b>fixed</b> — {@code model} and {@code optimizer}: the checkpoint's weights have its model's shapes and
 *       its optimizer state is the slots of its kind (Adam's m and v, SGD's momentum); nothing can carry them over.
 *       Always refused.</li>
 *   <li><b>guarded</b> — settings that change what the run computes or which rows it samples: precision, the
 *       loss-scale settings (one group, {@code loss-scale}; when they change the scaler restarts from the new
 *       settings), loss, the optimizer's hyperparameters, the learning-rate schedule, clipping, batch size, seed,
 *       and the training data (compared by content fingerprint, so moving the files is no change). Refused unless
 *       named in {@code --allow-changed}.</li>
 *   <li><b>free</b> — {@code steps}/{@code epochs} (continue a run further), {@code micro-batch-size} (the same
 *       gradient, summed in another order), {@code kernel}, {@code partitions} and {@code max-consecutive-skips}.</li>
 * </ul>
 * Every change that goes through, free or allowed, is returned so it can be recorded in the provenance. A
 * setting the checkpoint does not record (older checkpoints) is not compared.
 */
final class ResumePolicy {
    enum Kind { FIXED, GUARDED, FREE }

    /** The data's identity, compared by content; the path is shown beside it. */
    static final String DATA = "data";
    static final String PARTITIONS = "partitions";
    /** The input-storage setting (auto: the run's precision; fp32): what precision the model read its features in. */
    static final String INPUT_STORAGE = "input-storage";
    static final String LOSS_SCALE = "loss-scale";

    private static final Map<String, Kind> KIND = new LinkedHashMap<>();
    /** The name a setting is allowed and reported by: itself, or its group. */
    private static final Map<String, String> GROUP = new LinkedHashMap<>();

    static {
        for (String key : List.of("model", "optimizer")) {
            KIND.put(key, Kind.FIXED);
        }
        for (String key : List.of("precision", "loss", "lr", "momentum", "nesterov", "beta1", "beta2", "eps", "weight-decay",
                "schedule", "warmup-steps", "min-lr", "step-size", "gamma", "clip-norm", "batch-size", "seed",
                "schedule-on-skip", DATA, INPUT_STORAGE)) {
            KIND.put(key, Kind.GUARDED);
        }
        for (String key : List.of(LOSS_SCALE, "loss-scale-init", "loss-scale-growth-factor", "loss-scale-backoff",
                "loss-scale-growth-interval", "loss-scale-hysteresis", "loss-scale-min", "loss-scale-max")) {
            KIND.put(key, Kind.GUARDED);
            GROUP.put(key, LOSS_SCALE);
        }
        for (String key : List.of("steps", "epochs", "micro-batch-size", "task-threads", "kernel", PARTITIONS, "max-consecutive-skips")) {
            KIND.put(key, Kind.FREE);
        }
    }

    /** One setting whose value differs between the checkpoint and the resuming run. */
    record Change(String setting, String key, String before, String after, Kind kind) {
        @Override
        public String toString() {
            return key + " " + before + " -> " + after;
        }
    }

    private ResumePolicy() {
    }

    /** Every setting the policy knows, with its class. */
    static Map<String, Kind> kinds() {
        return java.util.Collections.unmodifiableMap(KIND);
    }

    /**
     * The changes between a checkpoint's settings and a resuming run's, or an error that names each refused
     * setting with both values and says how to proceed.
     *
     * @param checkpoint     the checkpoint's path, for the message
     * @param saved          the checkpoint's settings; {@link #DATA} and {@link #PARTITIONS} hold the data's fingerprint and
     *                       partition count
     * @param now            the resuming run's settings, same keys
     * @param allowedChanges the names given to {@code --allow-changed}
     */
    static List<Change> check(String checkpoint, Map<String, String> saved, Map<String, String> now, Set<String> allowedChanges) {
        checkAllowedNames(allowedChanges);
        List<Change> changes = new ArrayList<>();
        KIND.forEach((key, kind) -> {
            String before = saved.get(key);
            String after = now.get(key);
            if (before != null && after != null && !before.equals(after)) {
                changes.add(new Change(GROUP.getOrDefault(key, key), key, before, after, kind));
            }
        });
        List<Change> fixed = changes.stream().filter(c -> c.kind() == Kind.FIXED).toList();
        if (!fixed.isEmpty()) {
            throw new ConfigException("cannot resume " + checkpoint + " with another " + settingNames(fixed) + " ("
                    + describe(fixed) + "): the checkpoint's weights and optimizer state belong to its own. Start a new run "
                    + "instead: another --checkpoint-dir, or --overwrite to replace this one");
        }
        List<Change> refused = changes.stream()
                .filter(c -> c.kind() == Kind.GUARDED && !allowedChanges.contains(c.setting())).toList();
        if (!refused.isEmpty()) {
            Set<String> names = new LinkedHashSet<>();
            changes.stream().filter(c -> c.kind() == Kind.GUARDED).forEach(c -> names.add(c.setting()));
            throw new ConfigException("--resume from " + checkpoint + " would change " + describe(refused) + ". Resume with the "
                    + "checkpoint's values, or pass --allow-changed " + String.join(",", names)
                    + " to continue with the new ones (the change is recorded in the checkpoint's provenance)");
        }
        return changes;
    }

    /** True when the changes include the loss-scale settings, so the saved scaler state no longer applies. */
    static boolean restartsScaler(List<Change> changes) {
        return changes.stream().anyMatch(c -> c.setting().equals(LOSS_SCALE));
    }

    private static void checkAllowedNames(Set<String> allowed) {
        for (String name : allowed) {
            Kind kind = KIND.get(name);
            if (kind == null || (kind == Kind.GUARDED && !GROUP.getOrDefault(name, name).equals(name))) {
                Set<String> guarded = new TreeSet<>();
                KIND.forEach((k, v) -> {
                    if (v == Kind.GUARDED) {
                        guarded.add(GROUP.getOrDefault(k, k));
                    }
                });
                throw new ConfigException("allow-changed: '" + name + "' is not a setting a resume can be allowed to change; "
                        + "those are " + guarded);
            }
            if (kind == Kind.FIXED) {
                throw new ConfigException("allow-changed: " + name + " can never change on resume (the checkpoint's state "
                        + "belongs to its own " + name + "); start a new run instead");
            }
        }
    }

    private static String settingNames(List<Change> changes) {
        return changes.stream().map(Change::setting).distinct().collect(Collectors.joining(" and "));
    }

    private static String describe(List<Change> changes) {
        return changes.stream().map(c -> c.key() + ": checkpoint " + c.before() + ", now " + c.after()
                + (c.key().equals(DATA) ? " (the training data's content fingerprint)" : "")).collect(Collectors.joining("; "));
    }
}
