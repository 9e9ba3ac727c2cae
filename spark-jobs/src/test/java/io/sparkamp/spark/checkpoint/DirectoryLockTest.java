package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint directory's lock on the local file system: one holder at a time, the holder named in the
 * refusal, a lock whose process is gone (or whose pid now belongs to another process) taken over, a lock
 * of another host or one that names no holder left for the user to judge.
 */
class DirectoryLockTest {
    @TempDir
    java.nio.file.Path tmp;
    private FileSystem fs;
    private Path root;
    private java.nio.file.Path lockFile;

    @BeforeEach
    void localFileSystem() throws Exception {
        fs = FileSystem.getLocal(new Configuration());
        root = new Path(tmp.resolve("ckpt").toString());
        lockFile = tmp.resolve("ckpt").resolve(DirectoryLock.NAME);
    }

    private Map<String, String> holderInFile() throws Exception {
        return JsonMaps.readStrings(Files.readString(lockFile, StandardCharsets.UTF_8));
    }

    /** Writes a lock file as another process would have. */
    private void writeLock(long pid, String host, String jvmStart) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", "someone-else");
        m.put("pid", pid);
        m.put("host", host);
        m.put("jvm_start", jvmStart);
        m.put("acquired_at", "2026-11-29T08:00:00Z");
        Files.createDirectories(lockFile.getParent());
        Files.writeString(lockFile, Json.line(m), StandardCharsets.UTF_8);
    }

    private static String thisHost() throws Exception {
        return InetAddress.getLocalHost().getHostName();
    }

    @Test
    void aSecondTakerIsRefusedNamingTheHolderUntilTheFirstReleases() throws Exception {
        DirectoryLock first = DirectoryLock.acquire(fs, root);
        assertEquals(Long.toString(ProcessHandle.current().pid()), holderInFile().get("pid"));
        ConfigException e = assertThrows(ConfigException.class, () -> DirectoryLock.acquire(fs, root));
        String pid = Long.toString(ProcessHandle.current().pid());
        assertTrue(e.getMessage().contains("in use by another run") && e.getMessage().contains("pid " + pid)
                && e.getMessage().contains(thisHost()) && e.getMessage().contains(lockFile.toString()), e.getMessage());
        first.close();
        assertFalse(Files.exists(lockFile), "released");
        DirectoryLock.acquire(fs, root).close();
    }

    @Test
    void theLockOfAProcessThatIsGoneIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeLock(gone.pid(), thisHost(), "2026-11-29T08:00:00Z");
        try (DirectoryLock lock = DirectoryLock.acquire(fs, root)) {
            assertEquals(Long.toString(ProcessHandle.current().pid()), holderInFile().get("pid"));
        }
    }

    @Test
    void aPidNowUsedByAProcessThatStartedAtAnotherTimeIsStale() throws Exception {
        writeLock(ProcessHandle.current().pid(), thisHost(), "2001-01-01T00:00:00Z");
        try (DirectoryLock lock = DirectoryLock.acquire(fs, root)) {
            assertFalse("someone-else".equals(holderInFile().get("token")));
        }
    }

    @Test
    void aLiveHolderOfAnotherProcessIsNotTakenOver() throws Exception {
        Process live = new ProcessBuilder("sleep", "60").start();
        try {
            String started = live.info().startInstant().orElseThrow().toString();
            writeLock(live.pid(), thisHost(), started);
            ConfigException e = assertThrows(ConfigException.class, () -> DirectoryLock.acquire(fs, root));
            assertTrue(e.getMessage().contains("pid " + live.pid()), e.getMessage());
        } finally {
            live.destroyForcibly();
        }
    }

    @Test
    void aHolderOnAnotherHostCannotBeCheckedAndIsLeftToTheUser() throws Exception {
        writeLock(1, "some-other-host.example", "2026-11-29T08:00:00Z");
        ConfigException e = assertThrows(ConfigException.class, () -> DirectoryLock.acquire(fs, root));
        assertTrue(e.getMessage().contains("some-other-host.example") && e.getMessage().contains("known to be dead, remove "
                + lockFile), e.getMessage());
        assertEquals("someone-else", holderInFile().get("token"), "left as it was");
    }

    @Test
    void aLockFileThatNamesNoHolderIsRefusedNamingTheFile() throws Exception {
        Files.createDirectories(lockFile.getParent());
        Files.writeString(lockFile, "{\"pid\":", StandardCharsets.UTF_8);
        ConfigException e = assertThrows(ConfigException.class, () -> DirectoryLock.acquire(fs, root));
        assertTrue(e.getMessage().contains(lockFile.toString()) && e.getMessage().contains("no readable holder"), e.getMessage());
    }

    @Test
    void closingDoesNotRemoveALockThatNoLongerNamesThisRun() throws Exception {
        DirectoryLock mine = DirectoryLock.acquire(fs, root);
        writeLock(1, "some-other-host.example", "2026-11-29T08:00:00Z");
        mine.close();
        assertEquals("someone-else", holderInFile().get("token"));
    }

    @Test
    void ofManyConcurrentTakersExactlyOneWins() throws Exception {
        int takers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(takers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<DirectoryLock>> results = new ArrayList<>();
        for (int i = 0; i < takers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return DirectoryLock.acquire(fs, root);
            }));
        }
        go.countDown();
        List<DirectoryLock> won = new ArrayList<>();
        int refused = 0;
        for (Future<DirectoryLock> r : results) { // every taker has finished before any lock is released
            try {
                won.add(r.get());
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof ConfigException, e.getCause()::toString);
                refused++;
            }
        }
        pool.shutdown();
        won.forEach(DirectoryLock::close);
        assertEquals(1, won.size(), won.size() + " won, " + refused + " refused");
        assertEquals(takers - 1, refused);
    }
}
