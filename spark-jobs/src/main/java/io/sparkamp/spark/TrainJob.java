package io.sparkamp.spark;

import io.sparkamp.spark.cli.AmpCli;

/**
 * The main class for {@code spark-submit}: {@code spark-submit --class io.sparkamp.spark.TrainJob
 * spark-amp-job.jar train --config conf/fashion-mnist.conf}. Same commands and flags as bin/amp.
 */
public final class TrainJob {
    private TrainJob() {
    }

    public static void main(String[] args) {
        AmpCli.main(args);
    }
}
