package io.sparkamp.spark.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The step exchange between the driver and long-lived tasks: messages survive the wire to the bit, the
 * board hands out each step once per partition and collects one partial per partition (duplicates from a
 * relaunched task are ignored), asks waiting tasks to poll again, and stops them; over real gRPC, a
 * client without the run's token is refused.
 */
class StepExchangeTest {
    private static final float[] WEIGHTS = {1.5f, -0.0f, Float.MIN_VALUE, 65504f, -3.25e-8f};

    @Test
    void aPartialSurvivesTheWireToTheBit() {
        GradientPartial partial = partial(new float[]{0.1f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f}, 7);
        StepRequest decoded = StepRequest.decode(new StepRequest(42L, 3, 1, 9, partial).encode());
        assertEquals(42L, decoded.runToken());
        assertEquals(3, decoded.partition());
        assertEquals(1, decoded.attempt());
        assertEquals(9, decoded.lastStep());
        assertArrayEquals(bits(partial.gradients()), bits(decoded.partial().gradients()));
        assertEquals(partial.rows(), decoded.partial().rows());
        assertEquals(partial.lossSum(), decoded.partial().lossSum());
        assertEquals(partial.nonFinite(), decoded.partial().nonFinite());
        assertNull(StepRequest.decode(new StepRequest(1L, 0, 0, -1, null).encode()).partial());
        // many chunks of the driver's streamed read, every bit pattern kept (NaN payloads, subnormals)
        float[] random = new float[50_001];
        java.util.SplittableRandom source = new java.util.SplittableRandom(3);
        for (int i = 0; i < random.length; i++) {
            random[i] = Float.intBitsToFloat(source.nextInt());
        }
        GradientPartial large = partial(random, 11);
        assertArrayEquals(bits(random), bits(StepRequest.decode(new StepRequest(1L, 0, 0, 4, large).encode()).partial().gradients()));
    }

    @Test
    void aTruncatedPartialIsRefusedNotMisread() {
        ByteBuffer buffer = ByteBuffer.allocate(partial(new float[4], 1).encodedBytes());
        partial(new float[4], 1).writeTo(buffer);
        int cut = buffer.capacity() - 3;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientPartial.readFrom(new java.io.ByteArrayInputStream(buffer.array(), 0, cut), cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        // the same over the stream the driver reads requests from: refused before the gradients are allocated
        byte[] request = new StepRequest(1L, 0, 0, 3, partial(new float[4], 1)).encode();
        IllegalArgumentException streamed = assertThrows(IllegalArgumentException.class,
                () -> StepRequest.decode(java.util.Arrays.copyOf(request, request.length - 3)));
        assertTrue(streamed.getMessage().contains("truncated"), streamed.getMessage());
        ByteBuffer.wrap(request).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(25, Integer.MAX_VALUE); // the announced count
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> StepRequest.decode(request));
        assertTrue(huge.getMessage().contains(Integer.MAX_VALUE + " parameters announced"), huge.getMessage());
    }

    @Test
    void weightsOfEveryPrecisionSurviveTheWireToTheBit() {
        for (Precision precision : Precision.values()) {
            WorkingWeights weights = WorkingWeights.cast(WEIGHTS, precision);
            PartitionAssignment assignment = new PartitionAssignment(5L, 11L, 16, 32, 1024f);
            StepReply reply = roundTrip(StepReply.step(assignment, weights, () -> StepReply.encodeWeights(weights)));
            assertEquals(assignment, reply.assignment());
            assertEquals(precision, reply.weights().precision());
            assertArrayEquals(bits(weights.values()), bits(reply.weights().values()), precision.label());
        }
        assertSame(StepReply.STOP, roundTrip(StepReply.STOP));
        assertSame(StepReply.WAIT, roundTrip(StepReply.WAIT));
    }

    @Test
    void theBoardCollectsOnePartialPerPartitionInOrder() throws Exception {
        StepBoard board = new StepBoard(2, 50);
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(0, 2));
        StepReply first = board.exchange(new StepRequest(0L, 1, 0, -1, null));
        assertTrue(first.isStep());
        assertEquals(0, first.assignment().step());
        // partition 1 answers first; a relaunched copy of it sends the same step again: the first one counts
        GradientPartial one = partial(new float[]{1f, 2f, 3f, 4f, 5f}, 3);
        assertEquals(StepReply.Kind.WAIT, board.exchange(new StepRequest(0L, 1, 0, 0, one)).kind());
        assertEquals(StepReply.Kind.WAIT, board.exchange(new StepRequest(0L, 1, 1, 0, partial(new float[5], 9))).kind());
        CompletableFuture<GradientPartial[]> all = CompletableFuture.supplyAsync(() -> {
            try {
                return board.awaitPartials(() -> null);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        GradientPartial zero = partial(new float[]{9f, 8f, 7f, 6f, 5f}, 4);
        board.exchange(new StepRequest(0L, 0, 0, 0, zero));
        GradientPartial[] partials = all.get(5, TimeUnit.SECONDS);
        assertSame(zero, partials[0]);
        assertSame(one, partials[1]);
        assertTrue(board.toString().contains("2 of 2"), board.toString());
    }

    /**
     * A task in the driver's JVM hands over its worker's own partial: the board borrows it until the loop
     * publishes the next step or stops; one decoded from the network is simply kept.
     */
    @Test
    void theBoardBorrowsAPartialFromThisJvmUntilTheNextStep() throws Exception {
        StepBoard board = new StepBoard(1, 50);
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(0, 1));
        GradientPartial own = partial(new float[]{1f, 2f, 3f}, 5);
        board.exchange(new StepRequest(0L, 0, 0, 0, own));
        assertSame(own, board.awaitPartials(() -> null)[0], "no copy");
        assertTrue(own.isLent(), "its worker must not overwrite it while the driver sums");
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(1, 1));
        assertFalse(own.isLent(), "given back once the loop moved on");

        board.exchange(new StepRequest(0L, 0, 0, 1, own));
        board.stop();
        assertFalse(own.isLent(), "given back when the loop stops");

        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(2, 1));
        GradientPartial decoded = partial(new float[]{7f, 8f, 9f}, 6);
        board.exchange(new StepRequest(0L, 0, 0, 2, decoded), true);
        assertSame(decoded, board.awaitPartials(() -> null)[0]);
        assertFalse(decoded.isLent(), "decoded for the call: nobody else's");
    }

    @Test
    void aWaitingTaskGetsTheNextStepAsSoonAsItIsPublishedAndStopsWhenTold() throws Exception {
        StepBoard board = new StepBoard(1, 5_000);
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(0, 1));
        CompletableFuture<StepReply> waiting = CompletableFuture.supplyAsync(() -> exchange(board, 0));
        Thread.sleep(100);
        assertTrue(!waiting.isDone(), "no step after 0 yet: the task waits");
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(1, 1));
        assertEquals(1, waiting.get(2, TimeUnit.SECONDS).assignment().step());
        CompletableFuture<StepReply> stopped = CompletableFuture.supplyAsync(() -> exchange(board, 1));
        board.stop();
        assertSame(StepReply.STOP, stopped.get(2, TimeUnit.SECONDS));
    }

    @Test
    void aFailedStageEndsTheWaitWithItsReason() {
        StepBoard board = new StepBoard(2, 20);
        board.publish(WorkingWeights.fromFloats(WEIGHTS), assignments(0, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> board.awaitPartials(() -> new IllegalStateException("stage failed")));
        assertEquals("stage failed", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> board.exchange(new StepRequest(0L, 2, 0, -1, null)));
    }

    @Test
    void overGrpcATaskRunsStepsUntilStoppedAndStrangersAreRefused() throws Exception {
        StepBoard board = new StepBoard(1, 100);
        long token = 77L;
        try (StepServer server = StepServer.start("localhost", 0, token, board)) {
            List<Long> computed = new ArrayList<>();
            CompletableFuture<Long> task = CompletableFuture.supplyAsync(() -> {
                try (StepClient client = new StepClient("localhost", server.port(), 10_000)) {
                    return TaskStepLoop.run(client, token, 0, 0, (assignment, weights) -> {
                        computed.add(assignment.step());
                        return partial(weights.values().clone(), (int) assignment.step());
                    }, () -> { });
                }
            });
            for (int step = 0; step < 3; step++) {
                board.publish(WorkingWeights.cast(WEIGHTS, Precision.BF16), assignments(step, 1));
                GradientPartial[] partials = board.awaitPartials(() -> null);
                assertEquals(step, partials[0].rows());
                assertArrayEquals(bits(WorkingWeights.cast(WEIGHTS, Precision.BF16).values()), bits(partials[0].gradients()));
            }
            board.stop();
            assertEquals(3L, task.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(0L, 1L, 2L), computed);
            try (StepClient stranger = new StepClient("localhost", server.port(), 10_000)) {
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                        () -> stranger.exchange(new StepRequest(token + 1, 0, 0, -1, null)));
                assertTrue(refused.getMessage().contains("not a task of this training run"), refused.getMessage());
            }
        }
    }

    /** A task in the driver's JVM gets the board itself (no bytes); elsewhere, a gRPC client. */
    @Test
    void aTaskInTheDriversJvmCallsTheBoardDirectly() throws Exception {
        StepBoard board = new StepBoard(1, 100);
        WorkingWeights weights = WorkingWeights.cast(WEIGHTS, Precision.FP16);
        board.publish(weights, assignments(4, 1));
        StepBoards.register(91L, board);
        try (StepChannel local = StepChannel.open("localhost", 1, 91L, 1000);
             StepChannel remote = StepChannel.open("localhost", 1, 92L, 1000)) {
            assertTrue(local instanceof InProcessChannel, local.getClass().getName());
            assertTrue(remote instanceof StepClient, remote.getClass().getName());
            StepReply reply = local.exchange(new StepRequest(91L, 0, 0, -1, null));
            assertSame(weights, reply.weights(), "the weights object itself, not a copy");
            assertEquals(4, reply.assignment().step());
        } finally {
            StepBoards.remove(91L);
        }
    }

    private static StepReply exchange(StepBoard board, long lastStep) {
        try {
            return board.exchange(new StepRequest(0L, 0, 0, lastStep, null));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StepReply roundTrip(StepReply reply) {
        try (var in = reply.stream()) {
            return StepReply.decode(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static PartitionAssignment[] assignments(long step, int partitions) {
        PartitionAssignment[] out = new PartitionAssignment[partitions];
        for (int p = 0; p < partitions; p++) {
            out[p] = new PartitionAssignment(1L, step, 8, 8 * partitions, 1f);
        }
        return out;
    }

    /** A partial with the given gradients that says it holds {@code rows} rows. */
    private static GradientPartial partial(float[] gradients, int rows) {
        ByteBuffer b = ByteBuffer.allocate(new GradientPartial(gradients.length).encodedBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(gradients.length).putDouble(rows * 0.5).putLong(rows).putLong(rows / 2).put((byte) 0).putLong(rows).putLong(0).putLong(1000);
        b.asFloatBuffer().put(gradients);
        try {
            return GradientPartial.readFrom(new java.io.ByteArrayInputStream(b.array()), b.capacity());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
