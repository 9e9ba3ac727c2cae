package io.sparkamp.spark.transport;

/** A task in the driver's JVM calling the board directly (see {@link StepChannel#open}). */
final class InProcessChannel implements StepChannel {
    private final StepBoard board;

    InProcessChannel(StepBoard board) {
        this.board = board;
    }

    @Override
    public StepReply exchange(StepRequest request) {
        try {
            return board.exchange(request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while exchanging step " + request.lastStep(), e);
        }
    }

    @Override
    public void close() {
    }
}
