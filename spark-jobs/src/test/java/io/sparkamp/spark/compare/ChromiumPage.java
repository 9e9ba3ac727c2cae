package io.sparkamp.spark.compare;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.Assume;

/**
 * A page as headless Chromium renders it: the DOM it built ({@code --dump-dom}) and a screenshot
 * ({@code --screenshot}). The test calling {@link #load} is skipped, with a message, only where no
 * Chromium is installed (.ci/run installs Debian's {@code chromium}, so CI always runs it).
 */
final class ChromiumPage {
    static final int WIDTH = 1400;
    static final int HEIGHT = 3000;
    private final String dom;
    private final BufferedImage screenshot;

    private ChromiumPage(String dom, BufferedImage screenshot) {
        this.dom = dom;
        this.screenshot = screenshot;
    }

    static ChromiumPage load(Path page, Path workDir) throws IOException, InterruptedException {
        String chromium = findOnPath("chromium", "chromium-browser", "google-chrome");
        Assume.assumeTrue("chromium is not installed (apt-get install -y chromium): the rendering check is skipped",
                chromium != null);
        String url = page.toAbsolutePath().toUri().toString();
        Path png = workDir.resolve("report.png");
        String dom = run(workDir, chromium, "--dump-dom", url);
        run(workDir, chromium, "--screenshot=" + png, "--window-size=" + WIDTH + "," + HEIGHT, url);
        BufferedImage image = ImageIO.read(png.toFile());
        if (image == null) {
            throw new AssertionError("chromium wrote no readable screenshot at " + png);
        }
        return new ChromiumPage(dom, image);
    }

    String dom() {
        return dom;
    }

    /** Pixels within a small distance of {@code colour} (anti-aliasing blends the edges of lines). */
    int pixelsOfColour(Color colour) {
        int n = 0;
        for (int y = 0; y < screenshot.getHeight(); y++) {
            for (int x = 0; x < screenshot.getWidth(); x++) {
                int rgb = screenshot.getRGB(x, y);
                int d = Math.abs((rgb >> 16 & 0xff) - colour.getRed()) + Math.abs((rgb >> 8 & 0xff) - colour.getGreen())
                        + Math.abs((rgb & 0xff) - colour.getBlue());
                n += d <= 30 ? 1 : 0;
            }
        }
        return n;
    }

    /** Share of pixels that are not (near) white. */
    double nonWhiteShare() {
        long n = 0;
        for (int y = 0; y < screenshot.getHeight(); y++) {
            for (int x = 0; x < screenshot.getWidth(); x++) {
                int rgb = screenshot.getRGB(x, y);
                n += (rgb >> 16 & 0xff) < 240 || (rgb >> 8 & 0xff) < 240 || (rgb & 0xff) < 240 ? 1 : 0;
            }
        }
        return n / (double) ((long) screenshot.getWidth() * screenshot.getHeight());
    }

    private static String run(Path workDir, String chromium, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--user-data-dir=" + workDir.resolve("profile")));
        command.addAll(List.of(args));
        Path log = workDir.resolve("chromium.log");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectError(log.toFile()).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium exited " + p.exitValue() + ": " + Files.readString(log));
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }

    private static String findOnPath(String... names) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return null;
    }
}
