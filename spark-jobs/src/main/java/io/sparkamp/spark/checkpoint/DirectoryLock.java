package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One run at a time in a checkpoint directory: the file {@code DIR/_lock} names its holder (pid, host,
 * the JVM's start time, when it was taken) and exists exactly while a run owns the directory.
 *
 * <p>Taking it is atomic: the lock file is created only if absent. On a local file system every taker
 * first holds an OS lock on {@code DIR/_lock.guard} (released by the OS if the JVM dies), because the
 * local file system's create-if-absent is a check followed by a create; on HDFS create-if-absent is
 * atomic in the name node. A lock whose holder ran on this host and is gone — no process with its pid,
 * or a process with that pid that started at another time (the pid was reused) — is stale, and is taken
 * over with a warning. A holder on another host cannot be checked from here; the error says which lock
 * file to remove if that run is known to be dead.
 */
public final class DirectoryLock implements AutoCloseable {
    static final String NAME = "_lock";
    static final String GUARD = "_lock.guard";
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryLock.class);
    /** Serialises takers inside one JVM: an OS file lock is held per process, not per thread. */
    private static final Object IN_PROCESS = new Object();

    private final FileSystem fs;
    private final Path file;
    private final Owner owner;
    private boolean released;

    private DirectoryLock(FileSystem fs, Path file, Owner owner) {
        this.fs = fs;
        this.file = file;
        this.owner = owner;
    }

    /** Takes the lock of {@code root} for this JVM; refuses (naming the holder) while another live run holds it. */
    public static DirectoryLock acquire(FileSystem fs, Path root) {
        Path file = new Path(root, NAME);
        Owner me = Owner.current();
        synchronized (IN_PROCESS) {
            try {
                fs.mkdirs(root);
                if (fs instanceof LocalFileSystem local) {
                    java.nio.file.Path guard = local.pathToFile(new Path(root, GUARD)).toPath();
                    try (FileChannel channel = FileChannel.open(guard, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                         FileLock ignored = channel.lock()) {
                        return create(local.getRawFileSystem(), root, file, me); // raw: no .crc file beside the lock
                    }
                }
                return create(fs, root, file, me);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot take the lock " + file, e);
            }
        }
    }

    private static DirectoryLock create(FileSystem fs, Path root, Path file, Owner me) throws IOException {
        if (fs.exists(file)) {
            Optional<Owner> holder = Owner.read(fs, file);
            if (holder.isEmpty()) {
                throw new ConfigException("checkpoint directory " + root + " is locked by " + file + ", which names no readable "
                        + "holder; if no run is using the directory, remove that file");
            }
            String gone = holder.get().goneReason();
            if (gone == null) {
                throw new ConfigException("checkpoint directory " + root + " is in use by another run: " + holder.get().describe()
                        + ". Wait for it to finish, or use another --checkpoint-dir; if that run is known to be dead, remove "
                        + file);
            }
            LOG.warn("taking over the stale lock of checkpoint directory {}: {} ({})", root, holder.get().describe(), gone);
            fs.delete(file, false);
        }
        try (FSDataOutputStream out = fs.create(file, false)) {
            out.write(Json.line(me.toMap()).getBytes(StandardCharsets.UTF_8));
        }
        return new DirectoryLock(fs, file, me);
    }

    /** Releases the lock if this run still holds it. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            Optional<Owner> holder = Owner.read(fs, file);
            if (holder.isPresent() && holder.get().token().equals(owner.token())) {
                fs.delete(file, false);
            } else {
                LOG.warn("lock {} no longer names this run ({}); left as it is", file, holder.map(Owner::describe).orElse("gone"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock " + file, e);
        }
    }

    /**
     * Who holds a lock.
     *
     * @param token      unique per acquisition, so a JVM tells its own lock from another run's in the same JVM
     * @param pid        the holder's process id
     * @param host       the holder's host name
     * @param jvmStart   when the holder's process started (ISO-8601), to tell a reused pid from the holder
     * @param acquiredAt when the lock was taken (ISO-8601)
     */
    record Owner(String token, long pid, String host, String jvmStart, String acquiredAt) {
        private static final String THIS_HOST = hostName();

        static Owner current() {
            ProcessHandle self = ProcessHandle.current();
            return new Owner(UUID.randomUUID().toString(), self.pid(), THIS_HOST,
                    self.info().startInstant().map(Instant::toString).orElse(""), Instant.now().toString());
        }

        static Optional<Owner> read(FileSystem fs, Path file) throws IOException {
            if (!fs.exists(file)) {
                return Optional.empty();
            }
            try (FSDataInputStream in = fs.open(file)) {
                Map<String, String> m = JsonMaps.readStrings(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                return Optional.of(new Owner(m.get("token"), Long.parseLong(m.get("pid")), m.get("host"), m.get("jvm_start"),
                        m.get("acquired_at")));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token", token);
            m.put("pid", pid);
            m.put("host", host);
            m.put("jvm_start", jvmStart);
            m.put("acquired_at", acquiredAt);
            return m;
        }

        /** Why this holder is known to be gone, or null when it may be alive (or runs on another host). */
        String goneReason() {
            if (!THIS_HOST.equals(host)) {
                return null;
            }
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            if (process.isEmpty() || !process.get().isAlive()) {
                return "no process " + pid + " runs on " + host;
            }
            Optional<Instant> started = process.get().info().startInstant();
            if (started.isPresent() && !jvmStart.isEmpty()
                    && Math.abs(started.get().toEpochMilli() - Instant.parse(jvmStart).toEpochMilli()) > 1000) {
                return "process " + pid + " on " + host + " started at " + started.get() + ", not at " + jvmStart
                        + ": its pid was reused";
            }
            return null;
        }

        String describe() {
            return "pid " + pid + " on host " + host + " (process started " + jvmStart + ", lock taken " + acquiredAt + ")";
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "unknown-host";
            }
        }
    }
}
