package io.sparkamp.core.nn;

/** What a layer keeps between forward and backward, so tests and memory reports can see it. */
interface ActivationMemory {
    /** Bytes of activations the last forward saved for backward (0 when none). */
    long savedActivationBytes();
}
