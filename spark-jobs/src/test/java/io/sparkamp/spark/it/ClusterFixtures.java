package io.sparkamp.spark.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the integration tests share: the shaded job jar and the stand-in SPARK_HOME that the build made. */
final class ClusterFixtures {
    private ClusterFixtures() {
    }

    /** spark-jobs-VERSION-job.jar (built by the package phase before integration tests run). */
    static Path jobJar() {
        Path jar = Path.of(System.getProperty("spark.amp.jobJar", "target/missing-job.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("job jar " + jar + " is missing: run integration tests with `mvn verify`");
        }
        return jar;
    }

    /** target/spark-home: jars/ holds Spark with its own Arrow 12, as the build's pre-integration-test phase laid it. */
    static Path sparkHome() {
        Path home = Path.of(System.getProperty("spark.amp.sparkHome", "target/spark-home"));
        if (!Files.isDirectory(home.resolve("jars"))) {
            throw new IllegalStateException("SPARK_HOME stand-in " + home + " has no jars/: run with `mvn verify`");
        }
        return home;
    }

    /** True when the stand-in SPARK_HOME holds Spark's Arrow 12 and no other, as a real Spark 3.5 cluster does. */
    static boolean sparkHomeHasOnlyArrow12() throws IOException {
        try (var files = Files.list(sparkHome().resolve("jars"))) {
            List<String> arrow = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("arrow-")).toList();
            return !arrow.isEmpty() && arrow.stream().allMatch(n -> n.contains("-12.0.1"));
        }
    }
}
