package io.sparkamp.core.optim;

import java.util.List;
import java.util.Locale;

/**
 * Optimizer hyperparameters, validated in one place; errors name the setting ({@code optimizer.*}).
 * {@code momentum} and {@code nesterov} are read by SGD only; {@code beta1}, {@code beta2} and {@code eps}
 * by Adam and AdamW only. Every field is range-checked whatever the kind.
 *
 * @param kind        {@code sgd}, {@code adam} or {@code adamw} (case-insensitive, stored lower case)
 * @param momentum    SGD momentum in [0, 1); 0 turns momentum off
 * @param nesterov    SGD Nesterov momentum; needs momentum &gt; 0 and kind sgd
 * @param beta1       Adam first-moment decay in [0, 1)
 * @param beta2       Adam second-moment decay in [0, 1)
 * @param eps         Adam denominator term, finite and &gt; 0
 * @param weightDecay &gt;= 0; coupled L2 (added to the gradient) for sgd and adam, decoupled for adamw
 */
public record OptimizerConfig(String kind, float momentum, boolean nesterov, float beta1, float beta2, float eps,
                              float weightDecay) {

    /** The kinds {@link #create(int)} knows. */
    public static final List<String> KINDS = List.of("sgd", "adam", "adamw");

    public OptimizerConfig {
        kind = checkKind(kind);
        checkUnitInterval("optimizer.momentum", momentum);
        checkUnitInterval("optimizer.beta1", beta1);
        checkUnitInterval("optimizer.beta2", beta2);
        if (!(eps > 0f) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("optimizer.eps must be a finite number > 0, got " + eps);
        }
        if (!(weightDecay >= 0f) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("optimizer.weight-decay must be a finite number >= 0, got " + weightDecay);
        }
        if (nesterov && !kind.equals("sgd")) {
            throw new IllegalArgumentException("optimizer.nesterov applies to sgd only, got true for optimizer.kind "
                    + kind);
        }
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException("optimizer.nesterov needs optimizer.momentum > 0, got momentum 0.0");
        }
    }

    /**
     * PyTorch-like defaults: sgd momentum 0.9 without Nesterov; adam and adamw betas (0.9, 0.999), eps 1e-8;
     * weight decay 0.01 for adamw (PyTorch's AdamW default) and 0 otherwise.
     */
    public static OptimizerConfig defaults(String kind) {
        String k = checkKind(kind);
        return switch (k) {
            case "sgd" -> new OptimizerConfig(k, 0.9f, false, 0.9f, 0.999f, 1e-8f, 0f);
            case "adam" -> new OptimizerConfig(k, 0f, false, 0.9f, 0.999f, 1e-8f, 0f);
            default -> new OptimizerConfig(k, 0f, false, 0.9f, 0.999f, 1e-8f, 0.01f);
        };
    }

    /** A fresh optimizer of this kind for {@code parameterCount} parameters, slots zeroed, at step 0. */
    public Optimizer create(int parameterCount) {
        return switch (kind) {
            case "sgd" -> new Sgd(parameterCount, this);
            case "adam" -> new Adam(parameterCount, this);
            default -> new AdamW(parameterCount, this);
        };
    }

    /** The same settings with another weight decay. */
    public OptimizerConfig withWeightDecay(float newWeightDecay) {
        return new OptimizerConfig(kind, momentum, nesterov, beta1, beta2, eps, newWeightDecay);
    }

    private static String checkKind(String kind) {
        String k = kind == null ? null : kind.trim().toLowerCase(Locale.ROOT);
        if (k == null || !KINDS.contains(k)) {
            throw new IllegalArgumentException("optimizer.kind must be one of sgd, adam, adamw, got "
                    + (kind == null ? "null" : "'" + kind + "'"));
        }
        return k;
    }

    private static void checkUnitInterval(String setting, float value) {
        if (!(value >= 0f && value < 1f)) {
            throw new IllegalArgumentException(setting + " must be in [0, 1), got " + value);
        }
    }
}
