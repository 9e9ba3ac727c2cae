package io.sparkamp.spark.serde;

import static io.sparkamp.spark.TrainRuns.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.data.SyntheticClassification;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.executor.ExecutorMemory;
import io.sparkamp.spark.executor.WeightsPayload;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Every class the registrator lists survives Spark's {@link KryoSerializer} configured as jobs configure it
 * ({@link SparkSessions#applyKryoDefaults}: {@link AmpKryoRegistrator}) and made strict as the tests run it
 * (registrationRequired=true), with real content; and a class nobody registered is refused, which proves
 * the strict setting is on. Users' sessions leave registration optional.
 */
class KryoRegistrationTest {
    private static final SparkConf CONF = AmpSparkTestBase.strictKryo(new SparkConf(false));
    private static final KryoSerializer SERIALIZER = new KryoSerializer(CONF);

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        SerializerInstance instance = SERIALIZER.newInstance();
        ClassTag<T> tag = (ClassTag<T>) ClassTag$.MODULE$.apply(value.getClass());
        ByteBuffer bytes = instance.serialize(value, tag);
        T back = instance.deserialize(bytes, tag);
        assertNotSame(value, back);
        return back;
    }

    /** A partial computed by the real worker: gradients, loss, rows, correct count and 16-bit cast counters set. */
    private static GradientPartial realPartial() {
        TrainConfig config = TrainConfig.from(TrainRuns.settings("model", "mlp 6-8-3 relu", "precision", "fp16",
                "batch-size", "10", "micro-batch-size", "4"));
        TrainingSetup setup = new TrainingSetup(config, 1);
        TrainingState state = setup.freshState();
        ArrayRowSource rows = new SyntheticClassification(6, 3, 0.5f, 1L).generate(20, 1);
        PartitionAssignment job = PartitionAssignment.forStep(state, config.seed(), new int[] {10}, 10)[0];
        try (var worker = setup.newWorker()) {
            GradientPartial partial = new GradientPartial(state.master().length);
            partial.copyFrom(worker.compute(rows, 0, job, WorkingWeights.cast(state.master(), Precision.FP16)));
            return partial; // a copy: the worker's own partial is not to be used after it is closed
        }
    }

    private static void assertSamePartial(GradientPartial expected, GradientPartial actual) {
        assertArrayEquals(bits(expected.gradients()), bits(actual.gradients()));
        assertEquals(expected.lossSum(), actual.lossSum());
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.correct(), actual.correct());
        assertEquals(expected.nonFinite(), actual.nonFinite());
        assertEquals(expected.gradientValuesCast(), actual.gradientValuesCast());
        assertEquals(expected.gradientValuesUnderflowed(), actual.gradientValuesUnderflowed());
    }

    @Test
    void gradientPartialWithDataRoundTrips() {
        GradientPartial partial = realPartial();
        assertEquals(10, partial.rows());
        assertTrue(partial.lossSum() > 0);
        assertTrue(partial.gradientValuesCast() > 0);
        assertFalse(java.util.Arrays.stream(bits(partial.gradients())).allMatch(b -> b == 0), "gradients are not all zero");
        assertSamePartial(partial, roundTrip(partial));

        GradientPartial[] results = {partial, realPartial()};
        GradientPartial[] back = roundTrip(results);
        assertEquals(2, back.length);
        assertSamePartial(results[1], back[1]);
    }

    @Test
    void weightsPayloadRoundTripsInFp16Bf16AndFp32() {
        float[] master = {0.1f, -2.5f, 65504f, 1e-8f, -0f, 3.14159f, 70000f};
        for (Precision precision : Precision.values()) {
            WeightsPayload payload = WeightsPayload.of(WorkingWeights.cast(master, precision));
            WorkingWeights expected = payload.toWorkingWeights();
            WorkingWeights back = roundTrip(payload).toWorkingWeights();
            assertEquals(precision, back.precision());
            assertEquals(payload.bytes(), roundTrip(payload).bytes());
            if (precision.isLow()) {
                assertArrayEquals(expected.codes(), back.codes(), precision.label());
                assertEquals(2L * master.length, payload.bytes());
            } else {
                assertArrayEquals(bits(expected.values()), bits(back.values()), precision.label());
                assertEquals(4L * master.length, payload.bytes());
            }
        }
    }

    @Test
    void cachedBatchRoundTripsAndStillDecodes() {
        float[] features = {1f, 2f, 3f, 0.5f, -1f, 1e-3f};
        float[] labels = {0f, 2f};
        byte[] ipc;
        try (BufferAllocator allocator = ExecutorMemory.get().allocator().newChildAllocator("kryo-test", 0, Long.MAX_VALUE);
             TrainingBatch batch = TrainingBatch.fromRows(allocator, Precision.FP16, 2, 3, features, 1, labels)) {
            ipc = batch.toIpcBytes();
        }
        CachedBatch cached = new CachedBatch(ipc, 2);
        CachedBatch back = roundTrip(cached);
        assertEquals(2, back.rows());
        assertArrayEquals(ipc, back.ipc());
        CachedBatch[] array = roundTrip(new CachedBatch[] {cached, cached});
        assertArrayEquals(ipc, array[1].ipc());
        try (BufferAllocator allocator = ExecutorMemory.get().allocator().newChildAllocator("kryo-test-decode", 0, Long.MAX_VALUE);
             TrainingBatch decoded = TrainingBatch.fromIpcBytes(allocator, back.ipc())) {
            float[] y = new float[2];
            decoded.readLabels(0, 2, y, 0);
            assertArrayEquals(labels, y);
        }
    }

    @Test
    void evaluationRoundTrips() {
        Evaluation e = new Evaluation(12.375, 17, 20);
        Evaluation back = roundTrip(e);
        assertEquals(e.lossSum(), back.lossSum());
        assertEquals(e.correct(), back.correct());
        assertEquals(e.rows(), back.rows());
        assertEquals(20, roundTrip(new Evaluation[] {e})[0].rows());
    }

    @Test
    void primitiveArraysRoundTrip() {
        assertArrayEquals(new float[] {1f, Float.NaN}, roundTrip(new float[] {1f, Float.NaN}));
        assertArrayEquals(new short[] {1, -2}, roundTrip(new short[] {1, -2}));
        assertArrayEquals(new byte[] {3, 4}, roundTrip(new byte[] {3, 4}));
        assertArrayEquals(new long[] {5L, 6L}, roundTrip(new long[] {5L, 6L}));
    }

    /** Every Spark class in spark-classes.txt is registered, and a schema and row built from all of them round-trip. */
    @Test
    void everyListedSparkClassIsRegisteredAndRoundTrips() {
        Kryo kryo = SERIALIZER.newKryo();
        List<String> names = SparkClasses.names();
        assertFalse(names.isEmpty());
        for (String name : names) {
            assertEquals(SparkClasses.load(name), kryo.getRegistration(SparkClasses.load(name)).getType(), name);
        }
        DataType[] types = {DataTypes.FloatType, DataTypes.DoubleType, DataTypes.IntegerType, DataTypes.LongType,
                DataTypes.StringType, DataTypes.BooleanType, DataTypes.ShortType, DataTypes.ByteType, DataTypes.BinaryType,
                DataTypes.createArrayType(DataTypes.FloatType, false)};
        StructType schema = new StructType();
        for (int i = 0; i < types.length; i++) {
            schema = schema.add("c" + i, types[i], i % 2 == 0);
        }
        StructType back = roundTrip(schema);
        assertEquals(schema, back);
        for (StructField field : back.fields()) {
            DataType original = schema.apply(field.name()).dataType();
            if (!(original instanceof org.apache.spark.sql.types.ArrayType)) {
                assertSame(original, field.dataType(), field.name() + " must stay Spark's singleton " + original);
            }
        }
        GenericRowWithSchema row = new GenericRowWithSchema(new Object[] {1.5f, new Float[] {1f, 2f}}, new StructType()
                .add("label", DataTypes.FloatType).add("features", DataTypes.createArrayType(DataTypes.FloatType)));
        Row rowBack = roundTrip(row);
        assertEquals(1.5f, rowBack.getFloat(0));
        assertArrayEquals(new Float[] {1f, 2f}, (Float[]) rowBack.get(1));
    }

    private static final class NeverRegistered {
        int value = 3;
    }

    @Test
    void usersSessionsDoNotRequireRegistration() {
        SparkConf user = SparkSessions.applyKryoDefaults(new SparkConf(false));
        assertEquals("org.apache.spark.serializer.KryoSerializer", user.get("spark.serializer"));
        assertEquals(AmpKryoRegistrator.class.getName(), user.get("spark.kryo.registrator"));
        assertFalse(user.contains("spark.kryo.registrationRequired"), "left to Spark's default (off)");
        assertEquals("true", SparkSessions.applyKryoDefaults(new SparkConf(false)
                .set("spark.kryo.registrationRequired", "true")).get("spark.kryo.registrationRequired"), "a user's choice stays");
    }

    @Test
    void anUnregisteredClassIsRefused() {
        assertEquals("true", CONF.get("spark.kryo.registrationRequired"));
        Exception e = assertThrows(Exception.class, () -> roundTrip(new NeverRegistered()));
        String message = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(message.contains("Class is not registered") && message.contains(NeverRegistered.class.getName()), message);

        // the same object passes in a user's session: the refusal above is the tests' strict setting at work
        KryoSerializer lenient = new KryoSerializer(SparkSessions.applyKryoDefaults(new SparkConf(false)));
        SerializerInstance instance = lenient.newInstance();
        ClassTag<NeverRegistered> tag = ClassTag$.MODULE$.apply(NeverRegistered.class);
        assertEquals(3, instance.deserialize(instance.serialize(new NeverRegistered(), tag), tag).value);
    }
}
