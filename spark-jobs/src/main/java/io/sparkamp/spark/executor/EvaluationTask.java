package io.sparkamp.spark.executor;

import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Collections;
import java.util.Iterator;

/** Loss and accuracy of the broadcast weights on one partition of cached batches. */
public final class EvaluationTask implements Function2<Integer, Iterator<CachedBatch>, Iterator<Evaluation>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<WeightsPayload> weights;
    private final WorkerSpec spec;
    private final int rddId;

    public EvaluationTask(Broadcast<WeightsPayload> weights, WorkerSpec spec, int rddId) {
        this.weights = weights;
        this.spec = spec;
        this.rddId = rddId;
    }

    @Override
    public Iterator<Evaluation> call(Integer partition, Iterator<CachedBatch> batches) {
        Evaluation[] result = new Evaluation[1];
        DecodedPartitions.withRows(rddId, partition, batches,
                rows -> result[0] = WorkerCache.evaluator(spec).evaluate(rows.source(), weights.value().toWorkingWeights()));
        return Collections.singletonList(result[0]).iterator();
    }
}
