package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resume policy on the settings maps real runs record: every setting of the engine has a class, fixed
 * settings are refused even when allowed, guarded ones need --allow-changed (and the error says exactly
 * which flag to pass), free ones pass and are reported for the provenance.
 */
class ResumePolicyTest {
    private static final String CKPT = "/runs/a/step-00000006";

    /** The settings a run records, as a checkpoint holds them, from flags. */
    private static Map<String, String> recorded(String... keyValues) {
        Settings s = new Settings();
        s.set("model", "mlp 16-32-4 relu", "test");
        s.set("steps", "12", "test");
        for (int i = 0; i < keyValues.length; i += 2) {
            s.set(keyValues[i], keyValues[i + 1], "test");
        }
        Map<String, String> m = new LinkedHashMap<>(TrainConfig.from(s).describe());
        m.put(ResumePolicy.DATA, "xxhash64-sum:111:rows=300");
        m.put(ResumePolicy.PARTITIONS, "2");
        return m;
    }

    private static ConfigException refused(Map<String, String> saved, Map<String, String> now, Set<String> allowed) {
        return assertThrows(ConfigException.class, () -> ResumePolicy.check(CKPT, saved, now, allowed));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void everySettingARunRecordsHasAClass() {
        Set<String> classified = ResumePolicy.kinds().keySet();
        for (String key : recorded().keySet()) {
            assertTrue(classified.contains(key), "no resume policy for setting '" + key + "'");
        }
    }

    @Test
    void unchangedSettingsPassWithNoChanges() {
        assertEquals(List.of(), ResumePolicy.check(CKPT, recorded(), recorded(), Set.of()));
    }

    @Test
    void anotherModelOrOptimizerIsRefusedEvenWhenAllowed() {
        ConfigException model = refused(recorded(), recorded("model", "mlp 16-64-4 relu"), Set.of());
        assertMentions(model, CKPT, "model", "16-32-4", "16-64-4", "--overwrite");
        ConfigException optimizer = refused(recorded(), recorded("optimizer", "sgd"), Set.of("lr"));
        assertMentions(optimizer, "optimizer: checkpoint adam, now sgd");
        ConfigException allowFixed = refused(recorded(), recorded("optimizer", "sgd"), Set.of("optimizer"));
        assertMentions(allowFixed, "allow-changed", "optimizer can never change");
    }

    @Test
    void precisionChangesAreRefusedNamingBothValuesAndTheFlagToPass() {
        ConfigException e = refused(recorded("precision", "fp16"), recorded("precision", "bf16"), Set.of());
        assertMentions(e, "precision: checkpoint fp16, now bf16", "loss-scale: checkpoint dynamic, now none",
                "--allow-changed precision,loss-scale");
        ConfigException half = refused(recorded("precision", "fp16"), recorded("precision", "bf16"), Set.of("precision"));
        assertMentions(half, "loss-scale: checkpoint dynamic, now none");
        assertFalse(half.getMessage().contains("precision: checkpoint"), "the allowed change is not listed as refused");

        List<ResumePolicy.Change> allowed = ResumePolicy.check(CKPT, recorded("precision", "fp16"), recorded("precision", "bf16"),
                Set.of("precision", "loss-scale"));
        assertTrue(allowed.stream().anyMatch(c -> c.toString().equals("precision fp16 -> bf16")), allowed::toString);
        assertTrue(ResumePolicy.restartsScaler(allowed), "a new loss-scale mode restarts the scaler");

        List<ResumePolicy.Change> toFp32 = ResumePolicy.check(CKPT, recorded("precision", "bf16"), recorded("precision", "fp32"),
                Set.of("precision"));
        assertEquals(List.of("precision bf16 -> fp32"), toFp32.stream().map(Object::toString).toList());
        assertFalse(ResumePolicy.restartsScaler(toFp32), "bf16 and fp32 both run unscaled: the scaler state still fits");
    }

    @Test
    void hyperparametersBatchSizeSeedAndLossNeedTheFlag() {
        for (String[] change : List.of(new String[] {"lr", "0.01"}, new String[] {"batch-size", "64"}, new String[] {"seed", "9"},
                new String[] {"loss", "mse"}, new String[] {"weight-decay", "0.1"}, new String[] {"schedule", "cosine"},
                new String[] {"clip-norm", "1.0"})) {
            ConfigException e = refused(recorded(), recorded(change[0], change[1]), Set.of());
            assertMentions(e, change[0] + ": checkpoint ", "--allow-changed " + change[0]);
            List<ResumePolicy.Change> ok = ResumePolicy.check(CKPT, recorded(), recorded(change[0], change[1]), Set.of(change[0]));
            List<String> guarded = ok.stream().filter(c -> c.kind() == ResumePolicy.Kind.GUARDED).map(c -> c.key()).toList();
            assertEquals(List.of(change[0]), guarded, ok::toString); // micro-batch-size follows batch-size, and is free
        }
    }

    /** The features' storage precision decides what the model read (FP32 keeps values FP16 would flush or overflow). */
    @Test
    void anotherInputStorageNeedsTheFlagAndOlderCheckpointsWithoutItPass() {
        Map<String, String> saved = recorded();
        saved.put(ResumePolicy.INPUT_STORAGE, "auto");
        Map<String, String> now = recorded();
        now.put(ResumePolicy.INPUT_STORAGE, "fp32");
        assertMentions(refused(saved, now, Set.of()), "input-storage: checkpoint auto, now fp32", "--allow-changed input-storage");
        assertEquals(1, ResumePolicy.check(CKPT, saved, now, Set.of("input-storage")).size());
        assertEquals(List.of(), ResumePolicy.check(CKPT, recorded(), now, Set.of()), "a checkpoint that did not record it");
    }

    @Test
    void otherDataIsRefusedByFingerprintAndMovedDataIsNoChange() {
        Map<String, String> other = recorded();
        other.put(ResumePolicy.DATA, "xxhash64-sum:222:rows=300");
        ConfigException e = refused(recorded(), other, Set.of());
        assertMentions(e, "data: checkpoint xxhash64-sum:111:rows=300, now xxhash64-sum:222:rows=300", "content fingerprint",
                "--allow-changed data");
        assertEquals(1, ResumePolicy.check(CKPT, recorded(), other, Set.of("data")).size());
    }

    @Test
    void moreStepsOtherPartitionsMicroBatchesOrKernelPassWithoutTheFlagAndAreReported() {
        Map<String, String> now = recorded("steps", "24", "micro-batch-size", "64", "kernel", "java");
        now.put(ResumePolicy.PARTITIONS, "4");
        List<ResumePolicy.Change> changes = ResumePolicy.check(CKPT, recorded(), now, Set.of());
        assertEquals(List.of("steps 12 -> 24", "micro-batch-size 256 -> 64", "kernel auto -> java", "partitions 2 -> 4"),
                changes.stream().map(Object::toString).toList());
        assertTrue(changes.stream().allMatch(c -> c.kind() == ResumePolicy.Kind.FREE));
    }

    @Test
    void aSettingTheCheckpointDoesNotRecordIsNotCompared() {
        Map<String, String> old = recorded();
        old.remove("schedule-on-skip");
        assertEquals(List.of(), ResumePolicy.check(CKPT, old, recorded("schedule-on-skip", "true"), Set.of()));
    }

    @Test
    void anUnknownNameInAllowChangedIsRefusedListingTheNames() {
        ConfigException typo = refused(recorded(), recorded(), Set.of("precison"));
        assertMentions(typo, "'precison'", "precision", "loss-scale", "data");
        ConfigException member = refused(recorded(), recorded(), Set.of("loss-scale-init"));
        assertMentions(member, "'loss-scale-init'", "loss-scale");
    }
}
