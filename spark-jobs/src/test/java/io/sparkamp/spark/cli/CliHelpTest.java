package io.sparkamp.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Help and settings come from the one declaration per setting: every command is listed, every setting a
 * command reads is shown with its default, the README's settings table is exactly the generated one, and
 * errors about a value name the setting that holds it (not another one it feeds).
 */
class CliHelpTest {
    private record Run(int code, String out, String err) {
    }

    private static Run amp(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AmpCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommandAndExitsZero() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"help"}, {}}) {
            Run run = amp(args);
            assertEquals(0, run.code(), String.join(" ", args));
            for (Command c : Commands.all()) {
                assertTrue(run.out().contains("  " + c.name() + " "), c.name() + " missing from:\n" + run.out());
            }
        }
    }

    @Test
    void commandHelpShowsEverySettingWithItsDefaultInBothSpellings() {
        Run help = amp("help", "train");
        Run flag = amp("train", "--help");
        Run flagAfterOthers = amp("train", "--lr", "0.1", "--help");
        assertEquals(0, help.code());
        assertEquals(help.out(), flag.out());
        assertEquals(help.out(), flagAfterOthers.out());
        for (Setting<?> s : JobSettings.TRAINING) {
            assertTrue(help.out().contains("--" + s.key() + " ") || help.out().contains("--" + s.key() + "\n")
                    || help.out().contains("--" + s.key() + "  "), s.key() + " missing");
            assertTrue(help.out().contains("(default: " + s.defaultText() + ")"), s.key() + " default missing");
        }
        assertTrue(help.out().contains("--precision fp32|fp16|bf16"), help.out());
        assertEquals(0, amp("evaluate", "--help").code());
        assertTrue(amp("bench", "-h").out().contains("--skip-mllib"));
    }

    @Test
    void theReadmeSettingsTableIsTheGeneratedOne() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int begin = readme.indexOf(Help.README_BEGIN);
        int end = readme.indexOf(Help.README_END);
        assertTrue(begin >= 0 && end > begin, "README.md must hold the generated settings table between its markers");
        String table = readme.substring(begin + Help.README_BEGIN.length(), end).strip();
        String expected = Help.markdownTable(Commands.named("train").settings()).strip();
        assertEquals(expected, table, "README settings table is stale: replace it with the output of "
                + "`bin/amp help train --markdown`");
        assertEquals(expected, amp("help", "train", "--markdown").out().strip());
    }

    @Test
    void badValuesAreRefusedNamingTheirOwnSettingAndUnknownCommandsListTheKnownOnes() {
        Run lr = amp("train", "--data", "x", "--lr", "-1");
        assertEquals(2, lr.code());
        assertTrue(lr.err().startsWith("amp: error: lr (from --lr): expected > 0, got '-1'"), lr.err());
        assertFalse(lr.err().contains("schedule"), lr.err());

        Run micro = amp("train", "--data", "x", "--batch-size", "64", "--micro-batch-size", "128");
        assertEquals(2, micro.code());
        assertTrue(micro.err().contains("micro-batch-size (128) is larger than batch-size (64)"), micro.err());

        Run precision = amp("train", "--data", "x", "--precision", "fp8");
        assertEquals(2, precision.code());
        assertTrue(precision.err().contains("precision (from --precision): expected one of fp32, fp16, bf16, got 'fp8'"),
                precision.err());

        Run unknown = amp("trian");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'trian'") && unknown.err().contains("train"), unknown.err());

        Run unknownKey = amp("inspect", "--checkpoint", "x", "--lr", "1");
        assertEquals(2, unknownKey.code());
        assertTrue(unknownKey.err().contains("unknown setting 'lr'"), unknownKey.err());
        assertEquals(1, unknownKey.err().lines().count(), "one amp: line, no trace");
    }
}
