package io.sparkamp.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.sparkamp.spark.SparkUiOff;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.SparkSessions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus, run through {@code amp train} (AmpCli.run, the entry point of bin/amp): the
 * cases a hostile first user tried, plus seeded fuzz of CSV and Parquet files (random truncation, random
 * bytes, random types). Every case ends with exit 0 or with exit 2 and exactly one {@code amp: error:}
 * line on stderr, never a stack trace; and no case is silently wrong:
 *
 * <ul>
 *   <li>CSV: an independent strict reading of the mutated file (fields, numbers, labels, FP16 range)
 *       decides whether it is valid. Valid files must train on exactly their rows and report exactly the
 *       values that flush to zero in FP16; invalid ones must be refused.</li>
 *   <li>Parquet: a truncated file must be refused; a file with flipped bytes must be refused or train
 *       to the same loss as the original, to the bit (flips in statistics or metadata change nothing);
 *       a column of the wrong type must be refused naming the column.</li>
 * </ul>
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
@ExtendWith(SparkUiOff.class)
class BadInputCorpusTest {
    private static final String MODEL = "mlp 4-8-4 relu";
    private static final String HEADER = "f0,f1,f2,f3,label";
    private static final int ROWS = 24;
    private static final String FEATURES = "f0,f1,f2,f3";
    /** Largest float that FP16 rounds to zero (2^-25), smallest that it rounds to infinity. */
    private static final float FLUSH = 0x1p-25f;
    private static final float OVERFLOW = 65520f;
    /** A number as Java (and so Spark's CSV reader) parses it, without the forms this corpus never writes. */
    private static final Pattern NUMBER = Pattern.compile("-?(\\d+\\.?\\d*|\\.\\d+)([eE]-?\\d+)?");

    @TempDir
    static Path tmp;
    private static String csv;
    private static String parquet;
    private static List<String> typedParquet;
    private static Map<String, Object> parquetBaseline;

    @BeforeAll
    static void writeData() throws IOException {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < 4; c++) {
                text.append(String.format(Locale.ROOT, "%.3f", random.nextDouble() * 4 - 2)).append(',');
            }
            text.append(r % 4).append('\n');
        }
        csv = write("base.csv", text.toString().getBytes(StandardCharsets.UTF_8)).toString();

        SparkSession spark = SparkSessions.create("local[1]", "BadInputCorpusTest data");
        try {
            parquet = tmp.resolve("base-parquet").toString();
            spark.range(ROWS).selectExpr("cast(id % 4 as int) as label",
                            "transform(sequence(0, 3), j -> cast(((id * 7 + j * 3) % 11) / 5.0 - 1 as float)) as features")
                    .coalesce(1).write().parquet(parquet);
            typedParquet = new ArrayList<>();
            Random types = new Random(11);
            for (int i = 0; i < TYPED_CASES; i++) {
                String label = LABELS[types.nextInt(LABELS.length)];
                String features = FEATURE_EXPRS[types.nextInt(FEATURE_EXPRS.length)];
                String dir = tmp.resolve("typed-" + i).toString();
                spark.range(ROWS).selectExpr(label + " as label", features + " as features").coalesce(1).write().parquet(dir);
                typedParquet.add(dir + "\t" + label + "\t" + features);
            }
        } finally {
            spark.stop();
        }
        TrainRuns.Cli baseline = TrainRuns.cli(train(parquet));
        assertEquals(0, baseline.code(), baseline.err());
        parquetBaseline = baseline.json();
    }


    @TestFactory
    Stream<DynamicTest> everyCaseEndsInATrainedRunOrOneAmpError() throws IOException {
        List<Case> cases = new ArrayList<>(named());
        List<Case> csvFuzz = fuzzedCsv();
        long valid = csvFuzz.stream().filter(c -> c.mayTrain()).count();
        System.out.println("CSV fuzz: " + valid + " valid, " + (csvFuzz.size() - valid) + " invalid: "
                + csvFuzz.stream().map(Case::name).toList());
        assertTrue(valid >= 3 && csvFuzz.size() - valid >= 3, "the fuzz exercises both verdicts: " + csvFuzz);
        cases.addAll(csvFuzz);
        cases.addAll(fuzzedParquet());
        return cases.stream().map(c -> dynamicTest(c.name(), () -> c.check()));
    }

    // ---- the cases a first user tried ----

    private static List<Case> named() throws IOException {
        List<Case> out = new ArrayList<>();
        String rows = csvRows((r, line) -> line);
        out.add(Case.ok("csv with a header and --feature-cols", csvArgs(write("header.csv", HEADER + "\n" + rows)),
                s -> assertEquals(ROWS, num(s, "train_rows"))));
        Path noHeader = write("no-header.csv", rows);
        out.add(Case.ok("csv without a header (--csv-header false)", args(noHeader, "--format", "csv", "--csv-header", "false",
                "--feature-cols", "_c0,_c1,_c2,_c3", "--label-col", "_c4"), s -> assertEquals(ROWS, num(s, "train_rows"))));
        Path extra = write("extra-field.csv", HEADER + "\n" + csvRows((r, line) -> r == 5 ? line + ",9" : line));
        out.add(Case.bad("csv row with an extra field", csvArgs(extra), "1 row is malformed", "row 5 of file://" + extra));
        out.add(Case.bad("csv with a header and no rows", csvArgs(write("header-only.csv", HEADER + "\n")), "no rows"));
        out.add(Case.bad("an empty csv file", csvArgs(write("empty.csv", "")), "empty.csv"));
        out.add(Case.bad("--features-col and --feature-cols both set",
                args(Path.of(csv), "--format", "csv", "--feature-cols", FEATURES, "--features-col", "features"),
                "--features-col 'features'", "--feature-cols [f0, f1, f2, f3]"));
        Path large = write("fp16-overflow.csv", HEADER + "\n" + csvRows((r, line) -> r == 3 ? withF1(line, "70000") : line));
        out.add(Case.bad("feature beyond fp16's range", csvArgs(large), "'f1' (feature 1): 70000.0", "row 3 of file://" + large,
                "--precision bf16", "65504"));
        out.add(Case.ok("the same data in bf16", concat(csvArgs(large), "--precision", "bf16"),
                s -> assertEquals(ROWS, num(s, "train_rows"))));
        out.add(Case.ok("layernorm first and --input-storage fp32 keep values beyond fp16's range",
                args(large, "--format", "csv", "--feature-cols", FEATURES, "--input-storage", "fp32",
                        "--model", "input 4 | layernorm | linear 8 | relu | linear 4"),
                s -> {
                    assertEquals("fp32", s.get("input_storage"));
                    assertTrue(num(s, "cached_bytes_per_value") > 3.9, "4 bytes per stored value: " + s);
                }));
        // 1e-9 and 2.9e-8 round to 0 in fp16 (|x| <= 2^-25 = 2.98e-8); 3e-8 rounds up to 2^-24 and is kept
        Path tiny = write("fp16-flush.csv", HEADER + "\n" + csvRows((r, line) -> r % 5 == 0 ? withF1(line, "1e-9")
                : r % 5 == 1 ? withF1(line, "2.9e-8") : r % 5 == 2 ? withF1(line, "3e-8") : line));
        out.add(Case.ok("features that flush to zero in fp16 are counted", csvArgs(tiny), s -> {
            assertEquals(5 + 5, num(s, "input_values_flushed_to_zero"), "rows 0, 5, .. 20 and 1, 6, .. 21");
            assertEquals("fp16", s.get("input_storage"));
        }));
        Path libsvm = write("good.libsvm", "0 1:0.5 3:1.5\n1 2:0.25 4:-1\n2 1:1 2:2 3:3 4:4\n3 4:0.5\n");
        out.add(Case.ok("libsvm", args(libsvm, "--format", "libsvm"), s -> assertEquals(4, num(s, "train_rows"))));
        Path unordered = write("unordered.libsvm", "0 1:0.5 3:1.5\n1 2:0.25 4:-1\n2 3:3 1:1 4:4\n3 4:0.5\n");
        out.add(Case.bad("libsvm with indices out of order", args(unordered, "--format", "libsvm"),
                unordered + ":3", "index 1 follows index 3", "2 3:3 1:1 4:4"));
        Path zero = write("zero-index.libsvm", "0 0:0.5 3:1.5\n1 2:0.25\n");
        out.add(Case.bad("libsvm with a zero index", args(zero, "--format", "libsvm"), zero + ":1", "not one-based"));
        byte[] good = Files.readAllBytes(parquetFile(parquet));
        Path truncated = parquetDir("truncated-parquet", Arrays.copyOf(good, good.length / 2));
        out.add(Case.bad("truncated parquet", args(truncated), "cannot read parquet file", "part-00000.parquet"));
        out.add(Case.bad("a directory with no data", args(Files.createDirectories(tmp.resolve("empty-dir"))), "empty-dir"));
        return out;
    }

    // ---- CSV fuzz: truncation, inserted bytes, replaced fields ----

    private static final String BYTE_POOL = "abcxyzE.,-0123456789\n\"#;";
    private static final String[] TOKENS = {"", "abc", "true", "NaN", "Infinity", "1e9", "70000", "1e-30", "3e-8",
            "2.5", "7", "-1", "0.5,9", "null", "1.5e3", ".5", "5."};

    private static List<Case> fuzzedCsv() throws IOException {
        byte[] base = Files.readAllBytes(Path.of(csv));
        String text = new String(base, StandardCharsets.UTF_8);
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Random random = new Random(100 + i);
            out.add(csvCase("csv truncated #" + i, Arrays.copyOf(base, 1 + random.nextInt(base.length - 1))));
        }
        for (int i = 0; i < 8; i++) {
            Random random = new Random(200 + i);
            StringBuilder mutated = new StringBuilder(text);
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                mutated.insert(random.nextInt(mutated.length()), BYTE_POOL.charAt(random.nextInt(BYTE_POOL.length())));
            }
            byte[] bytes = mutated.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) { // a byte that is not UTF-8
                bytes[random.nextInt(bytes.length)] = (byte) 0xFF;
            }
            out.add(csvCase("csv with random bytes #" + i, bytes));
        }
        List<String> lines = List.of(text.split("\n"));
        for (int i = 0; i < 8; i++) {
            Random random = new Random(300 + i);
            List<String> mutated = new ArrayList<>(lines);
            int row = 1 + random.nextInt(ROWS);
            String[] fields = mutated.get(row).split(",", -1);
            fields[random.nextInt(fields.length)] = TOKENS[random.nextInt(TOKENS.length)];
            mutated.set(row, String.join(",", fields));
            out.add(csvCase("csv with a random value #" + i, (String.join("\n", mutated) + "\n").getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static Case csvCase(String name, byte[] content) throws IOException {
        Path file = write(name.replaceAll("[^a-z0-9]+", "-") + ".csv", content);
        CsvVerdict verdict = CsvVerdict.of(new String(content, StandardCharsets.UTF_8));
        if (!verdict.valid()) {
            return Case.bad(name + " (invalid: " + verdict.reason() + ")", csvArgs(file));
        }
        return Case.ok(name + " (valid)", csvArgs(file), s -> {
            assertEquals(verdict.rows(), num(s, "train_rows"), "trained on every row of the file, no other");
            assertEquals(verdict.flushed(), num(s, "input_values_flushed_to_zero"), "values flushed to zero in fp16");
        });
    }

    /**
     * An independent, strict reading of a CSV file: the header as written, then rows of five plain
     * numbers, four finite features within FP16's range and a class label 0..3; blank lines skipped.
     */
    private record CsvVerdict(boolean valid, String reason, long rows, long flushed) {
        static CsvVerdict of(String text) {
            String[] lines = text.split("\n", -1);
            if (!lines[0].equals(HEADER)) {
                return invalid("header changed");
            }
            long rows = 0;
            long flushed = 0;
            for (int i = 1; i < lines.length; i++) {
                if (lines[i].isEmpty()) {
                    continue;
                }
                String[] fields = lines[i].split(",", -1);
                if (fields.length != 5) {
                    return invalid("line " + (i + 1) + " has " + fields.length + " fields");
                }
                for (int c = 0; c < 5; c++) {
                    if (!NUMBER.matcher(fields[c]).matches()) {
                        return invalid("line " + (i + 1) + " field " + c + " '" + fields[c] + "'");
                    }
                    float value = (float) Double.parseDouble(fields[c]);
                    if (c == 4 && !(value >= 0 && value < 4 && value == Math.rint(value))) {
                        return invalid("label " + fields[c]);
                    }
                    if (c < 4 && !(Math.abs(value) < OVERFLOW)) {
                        return invalid("feature " + fields[c] + " beyond fp16");
                    }
                    if (c < 4 && value != 0 && Math.abs(value) <= FLUSH) {
                        flushed++;
                    }
                }
                rows++;
            }
            return rows == 0 ? invalid("no rows") : new CsvVerdict(true, "", rows, flushed);
        }

        static CsvVerdict invalid(String reason) {
            return new CsvVerdict(false, reason, 0, 0);
        }
    }

    // ---- Parquet fuzz: truncation, flipped bytes, random bytes, columns of random types ----

    private static final int TYPED_CASES = 6;
    private static final String[] LABELS = {"cast(id % 4 as int)", "cast(id % 4 as double)", "cast(id % 4 as tinyint)",
            "cast(id % 4 as string)", "id % 2 = 0", "array(id % 4)", "map('k', id)", "cast(null as int)", "timestamp_seconds(id)"};
    private static final int NULL_LABEL = 7;
    private static final int SHORT_FEATURES = 7;
    private static final int NULL_FEATURE = 8;
    private static final String[] FEATURE_EXPRS = {"transform(sequence(0, 3), j -> cast((id + j) % 7 / 7.0 as float))",
            "transform(sequence(0, 3), j -> (id + j) % 5 / 5.0)", "transform(sequence(0, 3), j -> cast(j as string))",
            "array(array(1.0f))", "cast(id as float)", "named_struct('a', 1.0)", "map('a', 1.0)",
            "transform(sequence(0, 2), j -> cast(j as float))", "array(1.0f, null, 2.0f, 3.0f)", "cast('xy' as binary)"};

    private static List<Case> fuzzedParquet() throws IOException {
        byte[] base = Files.readAllBytes(parquetFile(parquet));
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Random random = new Random(400 + i);
            Path dir = parquetDir("parquet-truncated-" + i, Arrays.copyOf(base, 1 + random.nextInt(base.length - 1)));
            out.add(Case.bad("parquet truncated #" + i, args(dir), "cannot read parquet file"));
        }
        for (int i = 0; i < 6; i++) {
            Random random = new Random(500 + i);
            byte[] flipped = base.clone();
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                flipped[random.nextInt(flipped.length)] ^= (byte) (1 + random.nextInt(255));
            }
            out.add(Case.badOrSameResult("parquet with flipped bytes #" + i, args(parquetDir("parquet-flipped-" + i, flipped))));
        }
        byte[] noise = new byte[base.length];
        new Random(600).nextBytes(noise);
        out.add(Case.bad("parquet of random bytes", args(parquetDir("parquet-noise", noise)), "cannot read parquet file"));
        for (int i = 0; i < typedParquet.size(); i++) {
            String[] parts = typedParquet.get(i).split("\t");
            int label = Arrays.asList(LABELS).indexOf(parts[1]);
            int features = Arrays.asList(FEATURE_EXPRS).indexOf(parts[2]);
            // the reader checks column types (label first), validation then checks values
            boolean labelType = label < 3 || label == NULL_LABEL;
            boolean featuresType = features < 2 || features == SHORT_FEATURES || features == NULL_FEATURE;
            String blamed = !labelType ? "'label'" : !featuresType ? "'features'" : label == NULL_LABEL ? "'label'"
                    : features >= 2 ? "'features'" : null;
            String name = "parquet with label " + parts[1] + " and features " + parts[2];
            out.add(blamed == null
                    ? Case.ok(name, args(Path.of(parts[0])), s -> assertEquals(ROWS, num(s, "train_rows")))
                    : Case.bad(name, args(Path.of(parts[0])), blamed));
        }
        return out;
    }

    // ---- running and judging a case ----

    /** A case: the arguments of {@code amp train} and what must come of them. */
    private record Case(String name, String[] args, boolean mayTrain, boolean mayFail, Consumer<Map<String, Object>> trained,
                        String[] mentions) {
        static Case ok(String name, String[] args, Consumer<Map<String, Object>> trained) {
            return new Case(name, args, true, false, trained, new String[0]);
        }

        static Case bad(String name, String[] args, String... mentions) {
            return new Case(name, args, false, true, s -> { }, mentions);
        }

        static Case badOrSameResult(String name, String[] args) {
            return new Case(name, args, true, true, s -> {
                assertEquals(num(parquetBaseline, "train_rows"), num(s, "train_rows"));
                assertEquals(num(parquetBaseline, "train_loss"), num(s, "train_loss"), "a changed file trained silently");
            }, new String[0]);
        }

        void check() {
            try {
                judge(TrainRuns.cli(args));
            } catch (AssertionError e) {
                throw new AssertionError(name + ": " + e.getMessage(), e);
            }
        }

        private void judge(TrainRuns.Cli run) {
            String err = run.err();
            assertFalse(err.contains("\tat ") || err.contains("Caused by:"), "stack trace on stderr:\n" + err);
            List<String> ampLines = err.lines().filter(l -> l.startsWith("amp:")).toList();
            if (run.code() == 0 && mayTrain) {
                assertEquals(List.of(), ampLines);
                trained.accept(run.json());
                return;
            }
            assertTrue(mayFail, "expected a trained run, got exit " + run.code() + ":\n" + err);
            assertEquals(2, run.code(), "exit code of bad input; stderr:\n" + err);
            assertEquals(1, ampLines.size(), "exactly one amp: line:\n" + err);
            assertTrue(ampLines.get(0).startsWith("amp: error: "), err);
            for (String m : mentions) {
                assertTrue(err.contains(m), "stderr should mention '" + m + "':\n" + err);
            }
            assertFalse(run.out().contains("\"command\""), "no summary after an error");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static String[] train(String data) {
        return args(Path.of(data));
    }

    private static String[] args(Path data, String... extra) {
        String[] base = {"train", "--master", "local[2]", "--data", data.toString(), "--model", MODEL, "--steps", "2",
                "--batch-size", "8", "--log-every", "1000"};
        return concat(base, extra);
    }

    private static String[] csvArgs(Path file) {
        return args(file, "--format", "csv", "--feature-cols", FEATURES);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** ROWS CSV data lines, features r/8, 0.5, -0.25*(r%3), 1.5 and label r % 4, each passed through {@code edit}. */
    private static String csvRows(java.util.function.BiFunction<Integer, String, String> edit) {
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < ROWS; r++) {
            String line = String.format(Locale.ROOT, "%.3f,0.500,%.3f,1.500,%d", r / 8.0, -0.25 * (r % 3), r % 4);
            out.append(edit.apply(r, line)).append('\n');
        }
        return out.toString();
    }

    /** The line with feature f1 (the second field) replaced. */
    private static String withF1(String line, String value) {
        String[] fields = line.split(",", -1);
        fields[1] = value;
        return String.join(",", fields);
    }

    private static double num(Map<String, Object> json, String key) {
        return TrainRuns.num(json, key);
    }

    private static Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(String name, byte[] content) throws IOException {
        return Files.write(tmp.resolve(name), content);
    }

    private static Path parquetFile(String dir) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
    }

    private static Path parquetDir(String name, byte[] content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve("part-00000.parquet"), content);
        return dir;
    }
}
