package dev.ranch.jcstress;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every jcstress test of this module once, briefly, in {@code mvn verify}: a child JVM
 * running jcstress's {@code Main} with the arguments of the {@code jcstress.args} property
 * (the POM sets a short pass; README.md gives the long one). Any forbidden or unexpected
 * outcome, error or crash of a test fails the build.
 */
class JcstressShortPassTest {

    /** jcstress's progress line; the last one has the totals. */
    private static final Pattern TOTALS = Pattern.compile(
            "Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs");

    @Test
    void everyStressTestSeesOnlyAllowedOutcomes() throws IOException, InterruptedException {
        Path results = Path.of(System.getProperty("jcstress.results", "target/jcstress-results")).toAbsolutePath();
        Files.createDirectories(results);
        Path log = results.resolve("jcstress.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "org.openjdk.jcstress.Main"));
        command.addAll(Arrays.asList(System.getProperty("jcstress.args", "").trim().split("\\s+")));
        command.addAll(List.of("-r", results.resolve("report").toString()));

        // In the results directory, where jcstress also drops its binary result file.
        // Bounds a stuck run; the short pass takes about a minute on two cores.
        long timeoutMinutes = Long.getLong("jcstress.timeoutMinutes", 15);
        Process jcstress = new ProcessBuilder(command).directory(results.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!jcstress.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            jcstress.destroyForcibly();
            fail("jcstress did not finish within " + timeoutMinutes + " minutes; see " + log);
        }

        String output = Files.readString(log, StandardCharsets.UTF_8);
        Matcher totals = TOTALS.matcher(output);
        String last = null;
        while (totals.find()) {
            last = totals.group();
        }
        assertTrue(last != null, "jcstress printed no results; see " + log + "\n" + tail(output));
        Matcher m = TOTALS.matcher(last);
        assertTrue(m.matches());
        int planned = Integer.parseInt(m.group(1));
        assertTrue(planned > 0, "no jcstress test ran: " + last);
        assertEquals(planned, Integer.parseInt(m.group(2)), "every run passed: " + last + "\n" + tail(output));
        assertEquals(0, jcstress.exitValue(), "jcstress reports failures; see " + log + "\n" + tail(output));
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 6000));
    }
}
