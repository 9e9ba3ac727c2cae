package io.sparkamp.spark.compare;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison's curves as SVG, drawn by JFreeChart and written by JFreeSVG: for each of training loss,
 * test accuracy, loss scale, skipped steps, underflow fraction and samples/s, one chart against the step
 * and one against wall time, with one series per run. Each run keeps its colour in every chart (the
 * notebook uses the same ones).
 */
final class ComparisonCharts {
    static final int WIDTH = 620;
    static final int HEIGHT = 330;
    /** Series colours by run name (matplotlib's tab10 blue, orange, green, red). */
    static final Map<String, Color> COLORS = Map.of(
            "fp32", new Color(0x1f77b4), "fp16", new Color(0xff7f0e), "bf16", new Color(0x2ca02c),
            "fp16-noscale", new Color(0xd62728));

    /** What a chart plots. */
    enum Curve {
        TRAINING_LOSS("Training loss", "loss", false),
        TEST_ACCURACY("Test accuracy", "accuracy", false),
        LOSS_SCALE("Loss scale", "loss scale (log2 axis)", true),
        SKIPPED_STEPS("Skipped steps", "skipped steps so far", false),
        UNDERFLOW("Underflow fraction", "16-bit gradient values flushed to 0", false),
        SAMPLES_PER_SECOND("Samples/s", "samples/s (per step)", false);

        final String title;
        final String axis;
        final boolean logAxis;

        Curve(String title, String axis, boolean logAxis) {
            this.title = title;
            this.axis = axis;
            this.logAxis = logAxis;
        }

        /** The run's points: x is the step or the wall seconds since training began. */
        XYSeries series(String name, RunMetrics m, boolean wallTime) {
            XYSeries s = new XYSeries(name, false, true);
            if (this == TEST_ACCURACY) {
                for (RunMetrics.Evaluation e : m.evaluations()) {
                    s.add(wallTime ? e.elapsedSeconds() : e.step(), e.testAccuracy());
                }
                return s;
            }
            for (RunMetrics.Step p : m.steps()) {
                double y = switch (this) {
                    case TRAINING_LOSS -> p.loss();
                    case LOSS_SCALE -> p.lossScale();
                    case SKIPPED_STEPS -> p.skippedSoFar();
                    case UNDERFLOW -> p.underflowFraction();
                    default -> p.samplesPerSecond();
                };
                if (Double.isFinite(y)) {
                    s.add(wallTime ? p.elapsedSeconds() : p.step(), y);
                }
            }
            return s;
        }
    }

    /** One rendered chart: what it shows and its {@code <svg>} element. */
    record Chart(Curve curve, boolean wallTime, String svg) {
    }

    private ComparisonCharts() {
    }

    /** Every curve against the step and against wall time, in {@link Curve} order. */
    static List<Chart> draw(List<RunResult> runs) {
        List<Chart> charts = new ArrayList<>();
        for (Curve curve : Curve.values()) {
            for (boolean wallTime : new boolean[] {false, true}) {
                charts.add(new Chart(curve, wallTime, svg(curve, wallTime, runs, "c" + charts.size() + "-")));
            }
        }
        return charts;
    }

    private static String svg(Curve curve, boolean wallTime, List<RunResult> runs, String idPrefix) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (RunResult r : runs) {
            data.addSeries(curve.series(r.variant().name(), r.metrics(), wallTime));
        }
        String x = wallTime ? "wall seconds since training began" : "step";
        JFreeChart chart = ChartFactory.createXYLineChart(curve.title + (wallTime ? " vs wall time" : " vs step"), x, curve.axis,
                data, PlotOrientation.VERTICAL, true, false, false);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        // Evaluations are few: mark them; step curves are dense: lines only.
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, curve == Curve.TEST_ACCURACY);
        renderer.setDrawSeriesLineAsPath(true); // one SVG path per series, not one element per segment
        for (int i = 0; i < runs.size(); i++) {
            renderer.setSeriesPaint(i, COLORS.getOrDefault(runs.get(i).variant().name(), Color.DARK_GRAY));
            // Runs that agree draw on top of each other: earlier series are wider, so each stays visible.
            renderer.setSeriesStroke(i, new BasicStroke(Math.max(1.5f, 1.5f + 1.2f * (runs.size() - 1 - i))));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-3, -3, 6, 6));
        }
        plot.setRenderer(renderer);
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD); // the widest (first) series lies underneath
        if (curve.logAxis) {
            LogAxis axis = new LogAxis(curve.axis);
            axis.setBase(2);
            axis.setSmallestValue(0.5);
            plot.setRangeAxis(axis);
        } else {
            NumberAxis axis = (NumberAxis) plot.getRangeAxis();
            // Loss and accuracy differences between precisions are small: zoom in on them.
            axis.setAutoRangeIncludesZero(curve != Curve.TRAINING_LOSS && curve != Curve.TEST_ACCURACY);
            if (curve == Curve.SKIPPED_STEPS) {
                axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
                axis.setAutoRangeMinimumSize(1);
            }
        }
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        g.setDefsKeyPrefix(idPrefix); // several charts share one page: their clip-path ids must differ
        g.setGeomDoubleConverter(v -> String.format(Locale.ROOT, "%.2f", v)); // hundredths of a pixel suffice
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        return g.getSVGElement();
    }
}
