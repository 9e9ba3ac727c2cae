package io.sparkamp.core.optim;

import java.util.List;
import java.util.Locale;

/**
 * Learning-rate schedule settings, validated per kind in one place; errors name the setting
 * ({@code schedule.*}). Fields a kind does not read are ignored, except that a warm-up is rejected for the
 * kinds without one rather than silently dropped.
 *
 * <ul>
 *   <li>{@code constant}: {@code baseLr} at every step.</li>
 *   <li>{@code cosine}: linear warm-up from 0 at step 0 to {@code baseLr} at step {@code warmupSteps}, then
 *       cosine decay to {@code minLr} at step {@code totalSteps}, and {@code minLr} after that.</li>
 *   <li>{@code step}: {@code baseLr * gamma^floor(step / stepSize)}.</li>
 * </ul>
 */
public record ScheduleConfig(String kind, float baseLr, long warmupSteps, long totalSteps, float minLr, long stepSize,
                             float gamma) {

    /** The kinds {@link #create()} knows. */
    public static final List<String> KINDS = List.of("constant", "cosine", "step");

    public ScheduleConfig {
        String k = kind == null ? null : kind.trim().toLowerCase(Locale.ROOT);
        if (k == null || !KINDS.contains(k)) {
            throw new IllegalArgumentException("schedule.kind must be one of constant, cosine, step, got "
                    + (kind == null ? "null" : "'" + kind + "'"));
        }
        kind = k;
        if (!(baseLr > 0f) || !Float.isFinite(baseLr)) {
            throw new IllegalArgumentException("schedule.base-lr must be a finite number > 0, got " + baseLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("schedule.warmup-steps must be >= 0, got " + warmupSteps);
        }
        if (warmupSteps > 0 && !kind.equals("cosine")) {
            throw new IllegalArgumentException("schedule.warmup-steps applies to cosine only, got " + warmupSteps
                    + " for schedule.kind " + kind);
        }
        if (kind.equals("cosine")) {
            if (totalSteps < 1) {
                throw new IllegalArgumentException("schedule.total-steps must be >= 1, got " + totalSteps);
            }
            if (warmupSteps >= totalSteps) {
                throw new IllegalArgumentException("schedule.warmup-steps must be < schedule.total-steps ("
                        + totalSteps + "), got " + warmupSteps);
            }
            if (!(minLr >= 0f && minLr <= baseLr)) {
                throw new IllegalArgumentException("schedule.min-lr must be within [0, schedule.base-lr] = [0, "
                        + baseLr + "], got " + minLr);
            }
        }
        if (kind.equals("step")) {
            if (stepSize < 1) {
                throw new IllegalArgumentException("schedule.step-size must be >= 1, got " + stepSize);
            }
            if (!(gamma > 0f && gamma <= 1f)) {
                throw new IllegalArgumentException("schedule.gamma must be in (0, 1], got " + gamma);
            }
        }
    }

    public static ScheduleConfig constant(float lr) {
        return new ScheduleConfig("constant", lr, 0, 0, 0f, 0, 1f);
    }

    public static ScheduleConfig cosine(float baseLr, long warmupSteps, long totalSteps, float minLr) {
        return new ScheduleConfig("cosine", baseLr, warmupSteps, totalSteps, minLr, 0, 1f);
    }

    public static ScheduleConfig step(float baseLr, long stepSize, float gamma) {
        return new ScheduleConfig("step", baseLr, 0, 0, 0f, stepSize, gamma);
    }

    /** The schedule these settings describe. */
    public LrSchedule create() {
        return switch (kind) {
            case "constant" -> new Constant(baseLr);
            case "cosine" -> new Cosine(baseLr, warmupSteps, totalSteps, minLr);
            default -> new Step(baseLr, stepSize, gamma);
        };
    }

    private static void checkStep(long optimizerStep) {
        if (optimizerStep < 0) {
            throw new IllegalArgumentException("lrAt: optimizer step must be >= 0, got " + optimizerStep);
        }
    }

    private record Constant(float lr) implements LrSchedule {
        @Override
        public float lrAt(long optimizerStep) {
            checkStep(optimizerStep);
            return lr;
        }

        @Override
        public String describe() {
            return "constant(lr=" + lr + ")";
        }
    }

    private record Cosine(float baseLr, long warmupSteps, long totalSteps, float minLr) implements LrSchedule {
        @Override
        public float lrAt(long optimizerStep) {
            checkStep(optimizerStep);
            if (optimizerStep < warmupSteps) {
                return (float) ((double) baseLr * optimizerStep / warmupSteps);
            }
            if (optimizerStep >= totalSteps) {
                return minLr;
            }
            double progress = (double) (optimizerStep - warmupSteps) / (totalSteps - warmupSteps);
            return (float) (minLr + ((double) baseLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        }

        @Override
        public String describe() {
            return "cosine(base-lr=" + baseLr + ", warmup-steps=" + warmupSteps + ", total-steps=" + totalSteps
                    + ", min-lr=" + minLr + ")";
        }
    }

    private record Step(float baseLr, long stepSize, float gamma) implements LrSchedule {
        @Override
        public float lrAt(long optimizerStep) {
            checkStep(optimizerStep);
            return (float) (baseLr * Math.pow(gamma, optimizerStep / stepSize));
        }

        @Override
        public String describe() {
            return "step(base-lr=" + baseLr + ", step-size=" + stepSize + ", gamma=" + gamma + ")";
        }
    }
}
