package io.sparkamp.core.optim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OptimizerConfigTest {

    private static void assertRejected(String message, Executable build) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void defaultsFollowPyTorch() {
        assertEquals(new OptimizerConfig("sgd", 0.9f, false, 0.9f, 0.999f, 1e-8f, 0f), OptimizerConfig.defaults("sgd"));
        assertEquals(new OptimizerConfig("adam", 0f, false, 0.9f, 0.999f, 1e-8f, 0f), OptimizerConfig.defaults("adam"));
        assertEquals(new OptimizerConfig("adamw", 0f, false, 0.9f, 0.999f, 1e-8f, 0.01f),
                OptimizerConfig.defaults("AdamW"));
    }

    @Test
    void createBuildsTheNamedKind() {
        assertInstanceOf(Sgd.class, OptimizerConfig.defaults("sgd").create(3));
        assertInstanceOf(Adam.class, OptimizerConfig.defaults("adam").create(3));
        assertInstanceOf(AdamW.class, OptimizerConfig.defaults("adamw").create(3));
        assertEquals("adamw", OptimizerConfig.defaults("adamw").create(3).name());
        assertRejected("optimizer parameter count must be >= 1, got 0", () -> OptimizerConfig.defaults("sgd").create(0));
    }

    @Test
    void unknownKindListsTheKnownOnes() {
        assertRejected("optimizer.kind must be one of sgd, adam, adamw, got 'lamb'", () -> OptimizerConfig.defaults("lamb"));
        assertRejected("optimizer.kind must be one of sgd, adam, adamw, got null",
                () -> new OptimizerConfig(null, 0f, false, 0.9f, 0.999f, 1e-8f, 0f));
    }

    @Test
    void invalidSettingsAreNamed() {
        assertRejected("optimizer.momentum must be in [0, 1), got 1.0",
                () -> new OptimizerConfig("sgd", 1f, false, 0.9f, 0.999f, 1e-8f, 0f));
        assertRejected("optimizer.beta2 must be in [0, 1), got -0.5",
                () -> new OptimizerConfig("adam", 0f, false, 0.9f, -0.5f, 1e-8f, 0f));
        assertRejected("optimizer.eps must be a finite number > 0, got 0.0",
                () -> new OptimizerConfig("adam", 0f, false, 0.9f, 0.999f, 0f, 0f));
        assertRejected("optimizer.weight-decay must be a finite number >= 0, got -0.1",
                () -> new OptimizerConfig("adamw", 0f, false, 0.9f, 0.999f, 1e-8f, -0.1f));
        assertRejected("optimizer.nesterov needs optimizer.momentum > 0, got momentum 0.0",
                () -> new OptimizerConfig("sgd", 0f, true, 0.9f, 0.999f, 1e-8f, 0f));
        assertRejected("optimizer.nesterov applies to sgd only, got true for optimizer.kind adam",
                () -> new OptimizerConfig("adam", 0.9f, true, 0.9f, 0.999f, 1e-8f, 0f));
    }
}
