package io.sparkamp.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw settings: file syntax, precedence, and error messages that name key, value and source. */
class SettingsTest {
    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void loadsKeyValueLinesSkippingCommentsAndBlankLines() throws IOException {
        Path file = write("conf/x.conf",
                "# a whole-line comment",
                "",
                "  batch_size =  64   # trailing comment",
                "LR=0.5",
                "   ",
                "model = mlp 4-3 relu",
                "spark.amp.seed = 9");
        Settings s = new Settings().load(file);

        assertEquals(List.of("batch-size", "lr", "model", "spark-amp-seed"), List.copyOf(s.keys()),
                "keys normalised to lower case with '-' and in file order, comments and blanks skipped");
        assertEquals(64, s.integer("batch-size", 0));
        assertEquals(0.5f, s.number("lr", 0f));
        assertEquals("mlp 4-3 relu", s.string("model", null), "value trimmed, inner blanks kept");
        assertEquals(file + ":3", s.sourceOf("batch-size"), "source is file:line");
        assertEquals(file + ":4", s.sourceOf("lr"));
        assertEquals(file + ":6", s.sourceOf("MODEL"));
        assertEquals("default", s.sourceOf("steps"));
        assertTrue(s.has("Batch.Size"), "lookups normalise too");
        assertFalse(s.has("steps"));
        assertEquals(7, s.integer("steps", 7), "an unset key gives the fallback");
    }

    @Test
    void laterSourcesOverrideEarlierOnes() throws IOException {
        Path base = write("conf/base.conf", "lr = 0.1", "steps = 10", "seed = 1");
        Path site = write("conf/site.conf", "# site overrides", "steps = 20");
        Settings s = new Settings().load(base).load(site).set("--seed", "3", "--seed");

        assertEquals(0.1f, s.number("lr", 0f));
        assertEquals(base + ":1", s.sourceOf("lr"));
        assertEquals(20, s.integer("steps", 0));
        assertEquals(site + ":2", s.sourceOf("steps"));
        assertEquals(3L, s.longValue("seed", 0));
        assertEquals("--seed", s.sourceOf("seed"));
        assertEquals(List.of("lr", "steps", "seed"), List.copyOf(s.keys()), "keys keep the order first seen");
    }

    @Test
    void aLineWithoutEqualsNamesTheFileAndLine() throws IOException {
        Path file = write("conf/x.conf", "lr = 0.1", "# fine", "batch-size 64");
        ConfigException e = assertThrows(ConfigException.class, () -> new Settings().load(file));
        assertTrue(e.getMessage().contains("x.conf:3"), e.getMessage());
        assertTrue(e.getMessage().contains("batch-size 64"), e.getMessage());
    }

    @Test
    void aMissingFileIsAConfigExceptionNamingIt() {
        Path missing = dir.resolve("conf/none.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> new Settings().load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void anUnknownKeyNamesTheKeyAndItsSource() throws IOException {
        Path file = write("conf/x.conf", "lr = 0.1", "", "bacth-size = 64");
        Settings s = new Settings().load(file);
        ConfigException e = assertThrows(ConfigException.class, () -> s.requireKnown(TrainConfig.KEYS));
        assertTrue(e.getMessage().contains("'bacth-size'"), e.getMessage());
        assertTrue(e.getMessage().contains("x.conf:3"), e.getMessage());
        new Settings().load(write("conf/ok.conf", "lr = 0.1", "batch_size = 64")).requireKnown(TrainConfig.KEYS);
    }

    @Test
    void badTypedValuesNameKeyValueAndSource() throws IOException {
        Path file = write("conf/x.conf", "steps = 12", "lr = fast", "batch-size = 64k", "nesterov = maybe",
                "seed = 99999999999999999999", "clip-norm = 1e39", "micro-batch-size = 3000000000");
        Settings s = new Settings().load(file);
        assertBad(() -> s.number("lr", 0f), "lr", "fast", "x.conf:2");
        assertBad(() -> s.integer("batch-size", 0), "batch-size", "64k", "x.conf:3");
        assertBad(() -> s.bool("nesterov", false), "nesterov", "maybe", "x.conf:4");
        assertBad(() -> s.longValue("seed", 0), "seed", "99999999999999999999", "x.conf:5");
        assertBad(() -> s.number("clip-norm", 0f), "clip-norm", "1e39", "x.conf:6");
        assertBad(() -> s.integer("micro-batch-size", 0), "micro-batch-size", "3000000000", "x.conf:7");
        assertEquals(12, s.integer("steps", 0));
    }

    @Test
    void booleansAndIntegersAcceptTheirDocumentedSpellings() {
        Settings s = new Settings();
        for (String yes : Set.of("true", "YES", "on", "1", "")) {
            assertTrue(s.set("flag", yes, "t").bool("flag", false), "'" + yes + "'");
        }
        for (String no : Set.of("false", "No", "OFF", "0")) {
            assertFalse(s.set("flag", no, "t").bool("flag", true), "'" + no + "'");
        }
        assertEquals(1_000_000, s.set("n", "1_000_000", "t").integer("n", 0));
        assertEquals(-3, s.set("n", " -3 ", "t").integer("n", 0));
    }

    static void assertBad(org.junit.jupiter.api.function.Executable call, String key, String value, String source) {
        ConfigException e = assertThrows(ConfigException.class, call);
        String m = e.getMessage();
        assertTrue(m.contains(key), "names the key " + key + ": " + m);
        assertTrue(m.contains("'" + value + "'"), "names the value " + value + ": " + m);
        assertTrue(m.contains(source), "names the source " + source + ": " + m);
    }
}
