package io.sparkamp.core.config;

import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.optim.OptimizerConfig;
import io.sparkamp.core.optim.ScheduleConfig;

import java.util.List;

/**
 * The declarations of the training engine's settings, read by {@link TrainConfig}. The Spark job adds
 * its own (data, checkpoints, reporting) beside these; every surface lists them from here.
 */
public final class EngineSettings {
    private EngineSettings() {
    }

    public static final Setting<String> MODEL = Setting.text("model", "model", "mlp 784-512-256-10 relu",
            "model spec: 'mlp 784-512-256-10 relu' or a layer list like 'input 784 | linear 512 | relu | linear 10'");
    public static final Setting<String> LOSS = Setting.choice("loss", "model", "softmax_ce",
            "loss: softmax_ce (class index labels), bce_logits (0/1 labels), mse (regression)",
            Losses.NAMES.toArray(new String[0]));
    public static final Setting<String> PRECISION = Setting.choice("precision", "precision", "fp16",
            "compute and storage precision of the forward/backward pass", "fp32", "fp16", "bf16");
    public static final Setting<String> LOSS_SCALE = Setting.text("loss-scale", "precision", null,
            "loss scaling: dynamic, none, or a number (a static scale)").derivedDefault("dynamic for fp16, none otherwise");
    public static final Setting<Float> LOSS_SCALE_INIT = Setting.number("loss-scale-init", "precision", 65536f,
            "dynamic scaler: initial scale").accepting(v -> v > 0, "> 0");
    public static final Setting<Float> LOSS_SCALE_GROWTH_FACTOR = Setting.number("loss-scale-growth-factor", "precision", 2f,
            "dynamic scaler: factor applied after growth-interval clean steps");
    public static final Setting<Float> LOSS_SCALE_BACKOFF = Setting.number("loss-scale-backoff", "precision", 0.5f,
            "dynamic scaler: factor applied on overflow");
    public static final Setting<Integer> LOSS_SCALE_GROWTH_INTERVAL = Setting.integer("loss-scale-growth-interval", "precision",
            2000, "dynamic scaler: clean steps before the scale grows");
    public static final Setting<Integer> LOSS_SCALE_HYSTERESIS = Setting.integer("loss-scale-hysteresis", "precision", 1,
            "dynamic scaler: overflows tolerated before backing off");
    public static final Setting<Float> LOSS_SCALE_MIN = Setting.number("loss-scale-min", "precision", 1f,
            "dynamic scaler: smallest scale (the run fails when stuck there)");
    public static final Setting<Float> LOSS_SCALE_MAX = Setting.number("loss-scale-max", "precision", 16777216f,
            "dynamic scaler: largest scale").shownAs("2^24");
    public static final Setting<Integer> MAX_CONSECUTIVE_SKIPS = Setting.integer("max-consecutive-skips", "precision", 50,
            "fail instead of skipping more non-finite steps in a row").accepting(v -> v >= 1, ">= 1");
    public static final Setting<String> OPTIMIZER = Setting.choice("optimizer", "optimizer", "adam",
            "optimizer", OptimizerConfig.KINDS.toArray(new String[0]));
    public static final Setting<Float> LR = Setting.number("lr", "optimizer", 1e-3f, "base learning rate")
            .accepting(v -> v > 0, "> 0");
    public static final Setting<Float> MOMENTUM = Setting.number("momentum", "optimizer", 0.9f, "sgd momentum")
            .accepting(v -> v >= 0 && v < 1, "in [0, 1)");
    public static final Setting<Boolean> NESTEROV = Setting.flag("nesterov", "optimizer", false, "sgd: Nesterov momentum");
    public static final Setting<Float> BETA1 = Setting.number("beta1", "optimizer", 0.9f, "adam/adamw: first-moment decay")
            .accepting(v -> v >= 0 && v < 1, "in [0, 1)");
    public static final Setting<Float> BETA2 = Setting.number("beta2", "optimizer", 0.999f, "adam/adamw: second-moment decay")
            .accepting(v -> v >= 0 && v < 1, "in [0, 1)");
    public static final Setting<Float> EPS = Setting.number("eps", "optimizer", 1e-8f, "adam/adamw: denominator epsilon")
            .accepting(v -> v > 0, "> 0");
    public static final Setting<Float> WEIGHT_DECAY = Setting.number("weight-decay", "optimizer", null,
            "weight decay").derivedDefault("0.01 for adamw, 0 otherwise").accepting(v -> v >= 0, ">= 0");
    public static final Setting<String> SCHEDULE = Setting.choice("schedule", "schedule", "constant",
            "learning-rate schedule", ScheduleConfig.KINDS.toArray(new String[0]));
    public static final Setting<Long> WARMUP_STEPS = Setting.longValue("warmup-steps", "schedule", 0L,
            "cosine: linear warm-up steps").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Float> MIN_LR = Setting.number("min-lr", "schedule", 0f, "cosine: final learning rate")
            .accepting(v -> v >= 0, ">= 0");
    public static final Setting<Long> STEP_SIZE = Setting.longValue("step-size", "schedule", 1000L,
            "step: optimizer steps between decays").accepting(v -> v > 0, "> 0");
    public static final Setting<Float> GAMMA = Setting.number("gamma", "schedule", 0.1f, "step: decay factor")
            .accepting(v -> v > 0, "> 0");
    public static final Setting<Boolean> SCHEDULE_ON_SKIP = Setting.flag("schedule-on-skip", "schedule", false,
            "whether skipped steps advance the learning-rate schedule");
    public static final Setting<Float> CLIP_NORM = Setting.number("clip-norm", "optimizer", 0f,
            "clip the global norm of the unscaled gradient (0 = off)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer("batch-size", "batching", 256,
            "global batch: rows per optimizer step over all partitions").accepting(v -> v > 0, "> 0");
    public static final Setting<Integer> MICRO_BATCH_SIZE = Setting.integer("micro-batch-size", "batching", null,
            "rows per forward/backward inside a task (gradient accumulation); at most batch-size")
            .derivedDefault("min(batch-size, 256)").accepting(v -> v > 0, "> 0");
    public static final Setting<Integer> TASK_THREADS = Setting.integer("task-threads", "batching", 1,
            "threads computing one partition's share of a step, each a contiguous run of its micro-batches, their gradients "
                    + "summed in run order (the same bits for the same value; with one partition per executor and task-threads "
                    + "= its cores, the driver receives one partial per executor)").accepting(v -> v >= 1, ">= 1");
    public static final Setting<Long> STEPS = Setting.longValue("steps", "batching", 0L,
            "optimizer steps to run (0 = derive from epochs)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Float> EPOCHS = Setting.number("epochs", "batching", null,
            "passes over the training data (used when steps is not set)").derivedDefault("1 (when steps is not set)")
            .accepting(v -> v >= 0, ">= 0");
    public static final Setting<Long> SEED = Setting.longValue("seed", "batching", 42L,
            "run seed: initial weights, sampling and dropout derive from it");
    public static final Setting<String> KERNEL = Setting.text("kernel", "precision", "auto",
            "GEMM kernel: auto measures the candidates on the model's multiplies and takes the fastest (remembered per CPU); "
                    + "native, native-fp32, vector, vector-fp32, java or fp32=K,fp16=K,bf16=K force one");

    /** Every engine setting, in the order --help lists them. */
    public static final List<Setting<?>> ALL = List.of(MODEL, LOSS, PRECISION, LOSS_SCALE, LOSS_SCALE_INIT,
            LOSS_SCALE_GROWTH_FACTOR, LOSS_SCALE_BACKOFF, LOSS_SCALE_GROWTH_INTERVAL, LOSS_SCALE_HYSTERESIS, LOSS_SCALE_MIN,
            LOSS_SCALE_MAX, MAX_CONSECUTIVE_SKIPS, KERNEL, OPTIMIZER, LR, MOMENTUM, NESTEROV, BETA1, BETA2, EPS, WEIGHT_DECAY,
            CLIP_NORM, SCHEDULE, WARMUP_STEPS, MIN_LR, STEP_SIZE, GAMMA, SCHEDULE_ON_SKIP, BATCH_SIZE, MICRO_BATCH_SIZE,
            TASK_THREADS, STEPS, EPOCHS, SEED);
}
