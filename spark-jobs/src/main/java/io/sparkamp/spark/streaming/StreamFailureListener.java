package io.sparkamp.spark.streaming;

import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Spark's streaming query listener for one training query: logs when it starts, Spark's own progress of
 * each micro-batch at debug level, and when it fails, names the micro-batch that was being trained and
 * keeps the failure for whoever asks (the query may fail while nobody waits on it).
 */
final class StreamFailureListener extends StreamingQueryListener {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFailureListener.class);

    /** A failed query: the micro-batch it failed in and Spark's description of the error. */
    record Failure(long batchId, String error) {
        String describe() {
            return "micro-batch " + batchId + " failed: " + error;
        }
    }

    private final LongSupplier currentBatch;
    private volatile UUID queryId;
    private volatile Failure failure;

    StreamFailureListener(LongSupplier currentBatch) {
        this.currentBatch = currentBatch;
    }

    /** Listens to {@code id} only (other queries of the session are not ours). */
    void watch(UUID id) {
        this.queryId = id;
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {
        LOG.info("stream query {} started (run {})", event.id(), event.runId());
    }

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        if (event.progress().id().equals(queryId)) {
            LOG.debug("micro-batch {}: {} input rows, {} rows/s processed", event.progress().batchId(),
                    event.progress().numInputRows(), event.progress().processedRowsPerSecond());
        }
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {
        if (!event.id().equals(queryId) || event.exception().isEmpty()) {
            return;
        }
        String error = event.exception().get();
        failure = new Failure(currentBatch.getAsLong(), error.lines().findFirst().orElse(error));
        LOG.error("stream query {} failed in micro-batch {}: {}", event.id(), failure.batchId(), failure.error());
        LOG.debug("stream query {} failure in full: {}", event.id(), error);
    }

    /** The failure of the watched query, or null. */
    Failure failure() {
        return failure;
    }
}
