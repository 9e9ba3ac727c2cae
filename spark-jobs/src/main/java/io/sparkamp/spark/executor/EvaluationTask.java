package io.sparkamp.spark.executor;

import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.Evaluator;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.data.PartitionLayout;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Loss and accuracy of the broadcast weights on one partition of cached batches: on the partition kept
 * decoded, or batch by batch when it does not fit the executor's budget.
 */
public final class EvaluationTask implements Function2<Integer, Iterator<CachedBatch>, Iterator<Evaluation>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<WeightsPayload> weights;
    private final WorkerSpec spec;
    private final PartitionLayout layout;

    public EvaluationTask(Broadcast<WeightsPayload> weights, WorkerSpec spec, PartitionLayout layout) {
        this.weights = weights;
        this.spec = spec;
        this.layout = layout;
    }

    @Override
    public Iterator<Evaluation> call(Integer partition, Iterator<CachedBatch> batches) {
        Evaluator evaluator = WorkerCache.evaluator(spec);
        try (DecodedPartitions.Access access = ExecutorMemory.get().decoded()
                .open(layout.key(partition), layout.bytes(partition), batches)) {
            Evaluation result;
            if (access.rows() != null) {
                result = evaluator.evaluate(access.rows(), weights.value().toWorkingWeights());
            } else {
                result = Evaluation.EMPTY;
                while (access.stream().hasNext()) {
                    try (TrainingBatch batch = access.stream().next()) {
                        result = result.plus(evaluator.evaluate(new BatchRowSource(List.of(batch)),
                                weights.value().toWorkingWeights()));
                    }
                }
            }
            return Collections.singletonList(result).iterator();
        }
    }
}
