package io.sparkamp.spark.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build, from the jar's Maven metadata ("dev" when run from classes). */
public final class Versions {
    private Versions() {
    }

    public static String sparkAmp() {
        try (InputStream in = Versions.class.getResourceAsStream("/META-INF/maven/io.sparkamp/spark-jobs/pom.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
