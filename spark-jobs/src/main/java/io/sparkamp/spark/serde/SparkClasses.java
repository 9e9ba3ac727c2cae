package io.sparkamp.spark.serde;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The list of Spark/Scala classes our jobs send through Kryo (resource spark-classes.txt), kept as
 * data because it is Spark's internals, not ours, and changes with Spark versions.
 */
final class SparkClasses {
    private static final String RESOURCE = "spark-classes.txt";

    private SparkClasses() {
    }

    static List<String> names() {
        try (InputStream in = SparkClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing from the jar");
            }
            List<String> names = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                line = line.trim();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    names.add(line);
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static Class<?> load(String name) {
        try {
            return Class.forName(name, false, SparkClasses.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("class " + name + " listed in " + RESOURCE + " is not on the classpath", e);
        }
    }
}
