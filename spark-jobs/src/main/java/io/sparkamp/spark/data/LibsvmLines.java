package io.sparkamp.spark.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Finds the first line of a libsvm dataset that Spark's libsvm reader refuses, with its file and line
 * number. Spark's own error names neither, so when a libsvm read fails this scan (on the driver, and
 * only then) turns the failure into a message a user can act on.
 *
 * <p>The rules are the reader's: a line is trimmed; empty lines and lines starting with {@code #} are
 * skipped; otherwise it is a numeric label followed by space-separated {@code index:value} pairs with
 * integer indices, one-based and strictly ascending, and numeric values.
 */
final class LibsvmLines {
    private LibsvmLines() {
    }

    /** The first bad line of the files under {@code path} (a file, directory or glob), if any. */
    static Optional<String> firstBadLine(Configuration conf, String path) throws IOException {
        for (Path file : files(conf, new Path(path))) {
            FileSystem fs = file.getFileSystem(conf);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
                long number = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    number++;
                    String problem = problem(line.trim());
                    if (problem != null) {
                        String shown = line.length() > 120 ? line.substring(0, 120) + "..." : line;
                        return Optional.of(file + ":" + number + ": " + problem + ": \"" + shown + "\"");
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** What is wrong with one trimmed line, or null when the reader accepts it. */
    static String problem(String line) {
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        String[] items = line.split(" ");
        if (!isNumber(items[0])) {
            return "the label '" + items[0] + "' is not a number";
        }
        long previous = 0;
        for (int i = 1; i < items.length; i++) {
            String item = items[i];
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            if (colon < 0) {
                return "'" + item + "' is not an index:value pair";
            }
            long index;
            try {
                index = Long.parseLong(item.substring(0, colon));
            } catch (NumberFormatException e) {
                return "the index in '" + item + "' is not an integer";
            }
            if (index < 1 || index > Integer.MAX_VALUE) {
                return "index " + index + " in '" + item + "' is not one-based";
            }
            if (index <= previous) {
                return "index " + index + " follows index " + previous + "; indices must be strictly ascending";
            }
            if (!isNumber(item.substring(colon + 1))) {
                return "the value in '" + item + "' is not a number";
            }
            previous = index;
        }
        return null;
    }

    private static boolean isNumber(String text) {
        try {
            Double.parseDouble(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The data files Spark would read: the matches of the glob, directories listed recursively, hidden names skipped. */
    private static List<Path> files(Configuration conf, Path pattern) throws IOException {
        FileSystem fs = pattern.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(pattern);
        List<Path> out = new ArrayList<>();
        if (matches == null) {
            return out;
        }
        for (FileStatus match : matches) {
            if (match.isFile()) {
                out.add(match.getPath());
                continue;
            }
            RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
            while (it.hasNext()) {
                Path p = it.next().getPath();
                if (!hidden(match.getPath(), p)) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Whether a path below {@code root} has a component starting with '_' or '.', which Spark skips. */
    private static boolean hidden(Path root, Path file) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
