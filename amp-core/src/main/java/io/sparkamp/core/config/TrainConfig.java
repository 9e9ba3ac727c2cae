package io.sparkamp.core.config;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.optim.OptimizerConfig;
import io.sparkamp.core.optim.ScheduleConfig;
import io.sparkamp.core.scaling.ScalerConfig;
import io.sparkamp.core.scaling.ScalingMode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of the training engine, typed, defaulted and validated in one place (Spark ML Params
 * style). Built from {@link Settings}; each error names the key. The Spark job adds its own keys (data,
 * checkpoints) on top; {@link #KEYS} lists the engine's.
 *
 * @param model            model spec, e.g. "mlp 784-512-256-10 relu"
 * @param loss             softmax_ce | bce_logits | mse
 * @param precision        fp32 | fp16 | bf16
 * @param scaler           loss scaling (dynamic for fp16 by default, none for bf16 and fp32)
 * @param optimizer        optimizer and its hyperparameters
 * @param schedule         learning-rate schedule kind and its parameters (total steps filled in per run)
 * @param clipNorm         maximum global gradient norm, 0 = off
 * @param batchSize        global batch size (rows per optimizer step, over all partitions)
 * @param microBatchSize   rows per forward/backward inside a partition (gradient accumulation)
 * @param steps            optimizer steps to run, 0 = derive from epochs
 * @param epochs           passes over the training data (used when steps is 0)
 * @param seed             run seed: initial weights, sampling and dropout derive from it
 * @param kernel           GEMM kernel: auto or a provider name
 * @param scheduleOnSkip   whether skipped steps advance the learning-rate schedule
 */
public record TrainConfig(String model, String loss, Precision precision, ScalerConfig scaler, OptimizerConfig optimizer,
                          ScheduleConfig schedule, float clipNorm, int batchSize, int microBatchSize, long steps,
                          float epochs, long seed, String kernel, boolean scheduleOnSkip) {

    /** The keys this record reads. */
    public static final Set<String> KEYS = Set.of(
            "model", "loss", "precision", "loss-scale", "loss-scale-init", "loss-scale-growth-factor", "loss-scale-backoff",
            "loss-scale-growth-interval", "loss-scale-hysteresis", "loss-scale-min", "loss-scale-max", "max-consecutive-skips",
            "optimizer", "lr", "momentum", "nesterov", "beta1", "beta2", "eps", "weight-decay",
            "schedule", "warmup-steps", "min-lr", "step-size", "gamma",
            "clip-norm", "batch-size", "micro-batch-size", "steps", "epochs", "seed", "kernel", "schedule-on-skip");

    public TrainConfig {
        if (batchSize <= 0) {
            throw new ConfigException("batch-size must be positive, got " + batchSize);
        }
        if (microBatchSize <= 0) {
            throw new ConfigException("micro-batch-size must be positive, got " + microBatchSize);
        }
        if (steps < 0) {
            throw new ConfigException("steps must be >= 0, got " + steps);
        }
        if (steps == 0 && !(epochs > 0)) {
            throw new ConfigException("set steps > 0 or epochs > 0 (got steps=" + steps + ", epochs=" + epochs + ")");
        }
        if (!(clipNorm >= 0)) {
            throw new ConfigException("clip-norm must be >= 0 (0 = off), got " + clipNorm);
        }
    }

    /** Reads the engine's keys from {@code s} (other keys are left for the caller to check). */
    public static TrainConfig from(Settings s) {
        Precision precision = parse(s, "precision", () -> Precision.parse(s.string("precision", "fp16"), "precision"));
        ScalerConfig scaler = parse(s, "loss-scale", () -> scalerFrom(s, precision));
        String optimizerKind = s.string("optimizer", "adam");
        OptimizerConfig optimizer = parse(s, "optimizer", () -> {
            OptimizerConfig d = OptimizerConfig.defaults(optimizerKind);
            return new OptimizerConfig(d.kind(), s.number("momentum", d.momentum()), s.bool("nesterov", d.nesterov()),
                    s.number("beta1", d.beta1()), s.number("beta2", d.beta2()), s.number("eps", d.eps()),
                    s.number("weight-decay", d.weightDecay()));
        });
        float lr = s.number("lr", 1e-3f);
        // The run's real length is filled in by scheduleFor (it may come from epochs × rows). Until then the
        // schedule is checked against the configured steps, or against the shortest run its warm-up allows:
        // a placeholder of 1 step rejected every cosine warm-up.
        long warmup = s.longValue("warmup-steps", 0);
        long knownSteps = Math.max(s.longValue("steps", 0), warmup + 1);
        ScheduleConfig schedule = parse(s, "schedule", () -> new ScheduleConfig(s.string("schedule", "constant"), lr,
                warmup, knownSteps, s.number("min-lr", 0f), s.longValue("step-size", 1000), s.number("gamma", 0.1f)));
        int batch = s.integer("batch-size", 256);
        return new TrainConfig(
                s.string("model", "mlp 784-512-256-10 relu"),
                s.string("loss", "softmax_ce"),
                precision, scaler, optimizer, schedule,
                s.number("clip-norm", 0f),
                batch,
                s.integer("micro-batch-size", Math.min(batch, 256)),
                s.longValue("steps", 0),
                s.number("epochs", s.has("steps") ? 0f : 1f),
                s.longValue("seed", 42),
                s.string("kernel", "auto"),
                s.bool("schedule-on-skip", false));
    }

    /** The schedule for a run of {@code totalSteps} optimizer steps. */
    public ScheduleConfig scheduleFor(long totalSteps) {
        return new ScheduleConfig(schedule.kind(), schedule.baseLr(), schedule.warmupSteps(), totalSteps, schedule.minLr(),
                schedule.stepSize(), schedule.gamma());
    }

    /** The settings as they were resolved, for logs, checkpoints and provenance. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("loss", loss);
        m.put("precision", precision.label());
        m.put("loss-scale", scaler.mode() == ScalingMode.STATIC ? Float.toString(scaler.initialScale())
                : scaler.mode().name().toLowerCase());
        m.put("loss-scale-init", Float.toString(scaler.initialScale()));
        m.put("loss-scale-growth-factor", Float.toString(scaler.growthFactor()));
        m.put("loss-scale-backoff", Float.toString(scaler.backoffFactor()));
        m.put("loss-scale-growth-interval", Integer.toString(scaler.growthInterval()));
        m.put("loss-scale-hysteresis", Integer.toString(scaler.hysteresis()));
        m.put("loss-scale-min", Float.toString(scaler.minScale()));
        m.put("loss-scale-max", Float.toString(scaler.maxScale()));
        m.put("max-consecutive-skips", Integer.toString(scaler.maxConsecutiveSkips()));
        m.put("optimizer", optimizer.kind());
        m.put("lr", Float.toString(schedule.baseLr()));
        m.put("momentum", Float.toString(optimizer.momentum()));
        m.put("nesterov", Boolean.toString(optimizer.nesterov()));
        m.put("beta1", Float.toString(optimizer.beta1()));
        m.put("beta2", Float.toString(optimizer.beta2()));
        m.put("eps", Float.toString(optimizer.eps()));
        m.put("weight-decay", Float.toString(optimizer.weightDecay()));
        m.put("schedule", schedule.kind());
        m.put("warmup-steps", Long.toString(schedule.warmupSteps()));
        m.put("min-lr", Float.toString(schedule.minLr()));
        m.put("step-size", Long.toString(schedule.stepSize()));
        m.put("gamma", Float.toString(schedule.gamma()));
        m.put("clip-norm", Float.toString(clipNorm));
        m.put("batch-size", Integer.toString(batchSize));
        m.put("micro-batch-size", Integer.toString(microBatchSize));
        m.put("steps", Long.toString(steps));
        m.put("epochs", Float.toString(epochs));
        m.put("seed", Long.toString(seed));
        m.put("kernel", kernel);
        m.put("schedule-on-skip", Boolean.toString(scheduleOnSkip));
        return m;
    }

    private static ScalerConfig scalerFrom(Settings s, Precision precision) {
        // BF16 has FP32's exponent range, so it runs unscaled unless asked (DESIGN.md §2); FP32 never needs it.
        String mode = s.string("loss-scale", precision == Precision.FP16 ? "dynamic" : "none");
        ScalerConfig base = ScalerConfig.parse(mode);
        int maxSkips = s.integer("max-consecutive-skips", base.maxConsecutiveSkips());
        if (base.mode() != ScalingMode.DYNAMIC) {
            return new ScalerConfig(base.mode(), base.initialScale(), base.growthFactor(), base.backoffFactor(),
                    base.growthInterval(), base.hysteresis(), base.minScale(), base.maxScale(), maxSkips);
        }
        return new ScalerConfig(ScalingMode.DYNAMIC,
                s.number("loss-scale-init", base.initialScale()),
                s.number("loss-scale-growth-factor", base.growthFactor()),
                s.number("loss-scale-backoff", base.backoffFactor()),
                s.integer("loss-scale-growth-interval", base.growthInterval()),
                s.integer("loss-scale-hysteresis", base.hysteresis()),
                s.number("loss-scale-min", base.minScale()),
                s.number("loss-scale-max", base.maxScale()),
                maxSkips);
    }

    private static <T> T parse(Settings s, String key, java.util.function.Supplier<T> reader) {
        try {
            return reader.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " (from " + s.sourceOf(key) + "): " + e.getMessage());
        }
    }
}
