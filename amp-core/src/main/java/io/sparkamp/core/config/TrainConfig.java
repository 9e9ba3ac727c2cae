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
 * @param taskThreads      threads computing one partition's share (contiguous runs of micro-batches)
 */
public record TrainConfig(String model, String loss, Precision precision, ScalerConfig scaler, OptimizerConfig optimizer,
                          ScheduleConfig schedule, float clipNorm, int batchSize, int microBatchSize, long steps,
                          float epochs, long seed, String kernel, boolean scheduleOnSkip, int taskThreads) {

    /** The keys this record reads (declared in {@link EngineSettings}). */
    public static final Set<String> KEYS = EngineSettings.ALL.stream().map(Setting::key)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    public TrainConfig {
        if (batchSize <= 0) {
            throw new ConfigException("batch-size must be positive, got " + batchSize);
        }
        if (microBatchSize <= 0) {
            throw new ConfigException("micro-batch-size must be positive, got " + microBatchSize);
        }
        if (microBatchSize > batchSize) {
            throw new ConfigException("micro-batch-size (" + microBatchSize + ") is larger than batch-size (" + batchSize
                    + "): a micro-batch is a slice of one step's rows; set micro-batch-size <= batch-size");
        }
        if (steps < 0) {
            throw new ConfigException("steps must be >= 0, got " + steps);
        }
        if (steps == 0 && !(epochs > 0)) {
            throw new ConfigException("set steps > 0 or epochs > 0 (got steps=" + steps + ", epochs=" + epochs + ")");
        }
        if (taskThreads < 1) {
            throw new ConfigException("task-threads must be >= 1, got " + taskThreads);
        }
        if (!(clipNorm >= 0)) {
            throw new ConfigException("clip-norm must be >= 0 (0 = off), got " + clipNorm);
        }
    }

    /** Reads the engine's keys from {@code s} (other keys are left for the caller to check). */
    public static TrainConfig from(Settings s) {
        Precision precision = parse(s, "precision", () -> Precision.parse(EngineSettings.PRECISION.get(s), "precision"));
        ScalerConfig scaler = parse(s, "loss-scale", () -> scalerFrom(s, precision));
        String optimizerKind = EngineSettings.OPTIMIZER.get(s);
        OptimizerConfig optimizer = parse(s, "optimizer", () -> {
            OptimizerConfig d = OptimizerConfig.defaults(optimizerKind);
            return new OptimizerConfig(d.kind(), EngineSettings.MOMENTUM.get(s, d.momentum()),
                    EngineSettings.NESTEROV.get(s, d.nesterov()), EngineSettings.BETA1.get(s, d.beta1()),
                    EngineSettings.BETA2.get(s, d.beta2()), EngineSettings.EPS.get(s, d.eps()),
                    EngineSettings.WEIGHT_DECAY.get(s, d.weightDecay()));
        });
        float lr = EngineSettings.LR.get(s);
        long warmup = EngineSettings.WARMUP_STEPS.get(s);
        // The real total is known per run (scheduleFor); until then check against the configured steps, or against
        // any total past the warm-up when steps derive from epochs. A fixed placeholder of 1 rejected every warm-up.
        long configuredSteps = EngineSettings.STEPS.get(s);
        long totalForCheck = configuredSteps > 0 ? configuredSteps : Math.max(1, warmup + 1);
        ScheduleConfig schedule = parse(s, "schedule", () -> new ScheduleConfig(EngineSettings.SCHEDULE.get(s), lr,
                warmup, totalForCheck, EngineSettings.MIN_LR.get(s), EngineSettings.STEP_SIZE.get(s),
                EngineSettings.GAMMA.get(s)));
        int batch = EngineSettings.BATCH_SIZE.get(s);
        return new TrainConfig(
                EngineSettings.MODEL.get(s),
                EngineSettings.LOSS.get(s),
                precision, scaler, optimizer, schedule,
                EngineSettings.CLIP_NORM.get(s),
                batch,
                EngineSettings.MICRO_BATCH_SIZE.get(s, Math.min(batch, 256)),
                configuredSteps,
                EngineSettings.EPOCHS.get(s, EngineSettings.STEPS.isSet(s) ? 0f : 1f),
                EngineSettings.SEED.get(s),
                EngineSettings.KERNEL.get(s),
                EngineSettings.SCHEDULE_ON_SKIP.get(s),
                EngineSettings.TASK_THREADS.get(s));
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
        m.put("task-threads", Integer.toString(taskThreads));
        m.put("steps", Long.toString(steps));
        m.put("epochs", Float.toString(epochs));
        m.put("seed", Long.toString(seed));
        m.put("kernel", kernel);
        m.put("schedule-on-skip", Boolean.toString(scheduleOnSkip));
        return m;
    }

    private static ScalerConfig scalerFrom(Settings s, Precision precision) {
        // BF16 has FP32's exponent range, so it runs unscaled unless asked; FP32 never needs it.
        String mode = EngineSettings.LOSS_SCALE.get(s, precision == Precision.FP16 ? "dynamic" : "none");
        ScalerConfig base = ScalerConfig.parse(mode);
        int maxSkips = EngineSettings.MAX_CONSECUTIVE_SKIPS.get(s, base.maxConsecutiveSkips());
        if (base.mode() != ScalingMode.DYNAMIC) {
            return validScaler(s, () -> new ScalerConfig(base.mode(), base.initialScale(), base.growthFactor(),
                    base.backoffFactor(), base.growthInterval(), base.hysteresis(), base.minScale(), base.maxScale(), maxSkips));
        }
        float init = EngineSettings.LOSS_SCALE_INIT.get(s, base.initialScale());
        float growth = EngineSettings.LOSS_SCALE_GROWTH_FACTOR.get(s, base.growthFactor());
        float backoff = EngineSettings.LOSS_SCALE_BACKOFF.get(s, base.backoffFactor());
        int interval = EngineSettings.LOSS_SCALE_GROWTH_INTERVAL.get(s, base.growthInterval());
        int hysteresis = EngineSettings.LOSS_SCALE_HYSTERESIS.get(s, base.hysteresis());
        float min = EngineSettings.LOSS_SCALE_MIN.get(s, base.minScale());
        float max = EngineSettings.LOSS_SCALE_MAX.get(s, base.maxScale());
        return validScaler(s, () -> new ScalerConfig(ScalingMode.DYNAMIC, init, growth, backoff, interval, hysteresis,
                min, max, maxSkips));
    }

    /** ScalerConfig names its settings {@code loss-scale.*}; these are the keys a job config sets them with. */
    private static final Map<String, String> SCALER_KEYS = Map.of(
            "loss-scale.initial-scale", "loss-scale-init",
            "loss-scale.growth-factor", "loss-scale-growth-factor",
            "loss-scale.backoff-factor", "loss-scale-backoff",
            "loss-scale.growth-interval", "loss-scale-growth-interval",
            "loss-scale.hysteresis", "loss-scale-hysteresis",
            "loss-scale.min-scale", "loss-scale-min",
            "loss-scale.max-scale", "loss-scale-max",
            "loss-scale.max-consecutive-skips", "max-consecutive-skips");

    /**
     * Builds the scaler config; a validation error is rethrown with ScalerConfig's setting names replaced by this
     * config's keys and led by the first named key the user set, with its source (e.g. "conf/x.conf:3").
     */
    private static ScalerConfig validScaler(Settings s, java.util.function.Supplier<ScalerConfig> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            java.util.regex.Matcher names = java.util.regex.Pattern.compile("loss-scale\\.[a-z-]+").matcher(e.getMessage());
            StringBuilder message = new StringBuilder();
            String lead = null;
            while (names.find()) {
                String key = SCALER_KEYS.getOrDefault(names.group(), names.group());
                if (lead == null || (!s.has(lead) && s.has(key))) {
                    lead = key;
                }
                names.appendReplacement(message, java.util.regex.Matcher.quoteReplacement(key));
            }
            names.appendTail(message);
            lead = lead == null ? "loss-scale" : lead;
            throw new ConfigException(lead + " (from " + s.sourceOf(lead) + "): " + message);
        }
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
