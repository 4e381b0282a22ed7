package com.example.notify.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.notify.tools.PreviewEvent;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTML preview page in a real browser: headless Chromium (Debian's chromium package) takes a screenshot of the
 * page for an event whose template's HTML part is a block of a colour nothing else on the page has; the block must
 * be on the screenshot (the rendered body shows), and must not be on the screenshot of the same page without the
 * HTML part (the check can fail). Without chromium the test is skipped, unless NOTIFY_REQUIRE_CHROMIUM=true (CI).
 */
class PreviewPageScreenshotTest {

    static final int MAGENTA = 0xE0119D;
    static String chromium;

    @BeforeAll
    static void findChromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (new File(candidate).canExecute()) {
                chromium = candidate;
            }
        }
        if (chromium == null && "true".equals(System.getenv("NOTIFY_REQUIRE_CHROMIUM"))) {
            throw new AssertionError("NOTIFY_REQUIRE_CHROMIUM=true but no chromium: apt-get install -y chromium");
        }
        Assumptions.assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): screenshot test skipped");
    }

    @Test
    void theScreenshotShowsTheRenderedHtmlBody() throws Exception {
        Path dir = Files.createTempDirectory("preview-page");
        Files.copy(Path.of("application.properties"), dir.resolve("application.properties"));
        Path template = Files.createDirectories(dir.resolve("templates/colour-block"));
        Files.writeString(template.resolve("subject.ftl"), "Colour block for ${recipient.name}");
        Files.writeString(template.resolve("text.ftl"), "A block.");
        Files.writeString(template.resolve("html.ftlh"), "<!DOCTYPE html><html><body style=\"margin:0\">"
                + "<div style=\"background:#" + Integer.toHexString(MAGENTA) + ";width:300px;height:150px\"></div>"
                + "<p>${recipient.name}</p></body></html>");
        String event = """
                {"specversion":"1.0","id":"shot-1","source":"/preview","type":"com.example.sample","data":{
                  "recipient":{"email":"a@example.com","name":"Ada"},"channels":["email"],"template":"colour-block"}}
                """;
        PreviewReport report;
        try (CamelContext context = PreviewEvent.context(dir, null, null)) {
            report = context.getRegistry().lookupByNameAndType("notificationPreview", NotificationPreview.class)
                    .preview(event.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(report.channels.get("email").html).contains("background:#" + Integer.toHexString(MAGENTA));

        long withBody = colourPixels(screenshot(dir, "with", PreviewPage.html(report)));
        report.channels.get("email").html = null;
        long withoutBody = colourPixels(screenshot(dir, "without", PreviewPage.html(report)));

        assertThat(withBody).as("pixels of the template's colour block").isGreaterThan(300L * 150 / 2);
        assertThat(withoutBody).as("the same page without the HTML part").isZero();
    }

    private static BufferedImage screenshot(Path dir, String name, String html) throws Exception {
        Path page = dir.resolve(name + ".html");
        Files.writeString(page, html);
        Path png = dir.resolve(name + ".png");
        Process process = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("profile-" + name), "--hide-scrollbars", "--window-size=1000,1200",
                "--screenshot=" + png, page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(png).as("screenshot; chromium said: %s", Files.exists(dir.resolve(name + ".log"))
                ? Files.readString(dir.resolve(name + ".log")) : "").exists();
        return ImageIO.read(png.toFile());
    }

    private static long colourPixels(BufferedImage image) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                if (close(rgb >> 16, MAGENTA >> 16) && close((rgb >> 8) & 0xFF, (MAGENTA >> 8) & 0xFF) && close(rgb & 0xFF, MAGENTA & 0xFF)) {
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean close(int a, int b) {
        return Math.abs(a - b) <= 8;
    }
}
