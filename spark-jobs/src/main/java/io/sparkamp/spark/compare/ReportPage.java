package io.sparkamp.spark.compare;

import io.sparkamp.spark.report.Machine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

/**
 * {@code report.html}: one self-contained page (inline SVG charts and CSS, no scripts, nothing fetched),
 * so it opens offline and can be mailed or archived as one file. Holds the command, the conclusion, the
 * final table, every chart and the machine it ran on.
 */
final class ReportPage {
    private ReportPage() {
    }

    /** What the page says about how the runs were made. */
    record Context(String command, String model, String data, int warmupSteps, String master, String sparkVersion,
                   String ampVersion, Machine machine) {
    }

    static void write(Path file, Context context, ComparisonTable table, List<ComparisonCharts.Chart> charts) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Spark AMP: precision comparison</title>\n")
                .append("<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1320px}\n")
                .append("table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #bbb;padding:4px 8px;text-align:right}\n")
                .append("th{background:#eee}td:first-child,td:nth-child(2),td:nth-child(10),td:last-child{text-align:left}\n")
                .append("td.WORSE{background:#fdd}td.MATCHES{background:#dfd}td.BETTER{background:#ddf}\n")
                .append(".charts{display:grid;grid-template-columns:repeat(2,").append(ComparisonCharts.WIDTH).append("px);gap:12px}\n")
                .append("code{background:#f4f4f4;padding:1px 4px}dt{font-weight:bold;float:left;width:110px}dd{margin-left:120px}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Precision comparison</h1>\n");
        b.append("<p><code>").append(escape(context.command())).append("</code> &mdash; ").append(LocalDate.now()).append("</p>\n");
        b.append("<p>Model <code>").append(escape(context.model())).append("</code>, data <code>").append(escape(context.data()))
                .append("</code>. Every run: same data, seed and settings, one after another in one Spark session; only the "
                        + "precision and the loss scaling differ.");
        if (context.warmupSteps() > 0) {
            b.append(" Before them each precision trained ").append(context.warmupSteps())
                    .append(" unmeasured steps, so no run pays for the JIT compiling its code.");
        }
        b.append("</p>\n");
        b.append("<h2>Conclusion</h2>\n<ul>\n");
        for (String sentence : table.conclusions()) {
            b.append("<li>").append(escape(sentence)).append("</li>\n");
        }
        b.append("</ul>\n<h2>Final numbers</h2>\n<table>\n<tr>");
        for (String h : ComparisonTable.HEADERS) {
            b.append("<th>").append(escape(h)).append("</th>");
        }
        b.append("</tr>\n");
        for (ComparisonTable.Row row : table.rows()) {
            b.append("<tr>");
            List<String> cells = ComparisonTable.cells(row);
            for (int i = 0; i < cells.size(); i++) {
                boolean verdict = ComparisonTable.HEADERS.get(i).equals("verdict");
                b.append(verdict ? "<td class=\"" + row.verdict().name() + "\">" : "<td>").append(escape(cells.get(i))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n<p>").append(escape(table.rule())).append(". Time to target counts training seconds (steps only, "
                + "evaluations excluded) until the first evaluation at or above the target. samples/s = rows trained / seconds "
                + "inside steps. Underflow: share of non-zero FP32 gradient values that became zero when cast to 16 bits.</p>\n");
        b.append("<h2>Curves</h2>\n<div class=\"charts\">\n");
        for (ComparisonCharts.Chart chart : charts) {
            b.append("<figure style=\"margin:0\">").append(chart.svg()).append("</figure>\n");
        }
        b.append("</div>\n<h2>Machine and versions</h2>\n<dl>\n");
        Machine m = context.machine();
        item(b, "CPU", m.cpuModel() + ", " + m.cores() + " cores");
        item(b, "CPU flags", m.cpuFlags());
        item(b, "Kernel", m.kernel());
        item(b, "Java", m.java());
        item(b, "Spark", context.sparkVersion() + ", master " + context.master());
        item(b, "Spark AMP", context.ampVersion());
        item(b, "GEMM kernel", String.join(", ", table.rows().stream().map(r -> r.name() + ": " + r.kernel()).toList()));
        b.append("</dl>\n</body></html>\n");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + file, e);
        }
    }

    private static void item(StringBuilder b, String term, String value) {
        b.append("<dt>").append(escape(term)).append("</dt><dd>").append(escape(value)).append("</dd>\n");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
