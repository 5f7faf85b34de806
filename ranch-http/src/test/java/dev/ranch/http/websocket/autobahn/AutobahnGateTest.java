package dev.ranch.http.websocket.autobahn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gate fails on a wrong close code even though the plugin would pass it, and passes what RFC 6455 allows. */
class AutobahnGateTest {

    private static String outcome(String behavior, String behaviorClose, String code) {
        return "{\"behavior\": \"" + behavior + "\", \"behaviorClose\": \"" + behaviorClose
                + "\", \"duration\": 3, \"remoteCloseCode\": " + code + ", \"reportfile\": \"r.json\"}";
    }

    private static final String MIXED = "{\"agent\": {"
            + "\"10.1.1\": " + outcome("OK", "OK", "1000") + ", "
            + "\"2.1\": " + outcome("OK", "WRONG CODE", "1000") + ", "
            + "\"6.4.3\": " + outcome("NON-STRICT", "OK", "1007") + ", "
            + "\"7.13.1\": " + outcome("INFORMATIONAL", "INFORMATIONAL", "null") + ", "
            + "\"7.9.1\": " + outcome("FAILED", "OK", "1002") + "}}";

    private static final String CLEAN = "{\"agent\": {\"1.1.1\": " + outcome("OK", "OK", "1000") + ", "
            + "\"6.4.4\": " + outcome("NON-STRICT", "OK", "1007") + "}}";

    @Test
    void wrongCloseCodeFailsTheCaseAndAllowedOutcomesPass() {
        AutobahnGate.Verdict verdict = AutobahnGate.judge(MIXED);
        assertEquals(3, verdict.passed());
        assertEquals(List.of(
                "2.1: behavior OK, behaviorClose WRONG CODE, remote close code 1000, report r.json",
                "7.9.1: behavior FAILED, behaviorClose OK, remote close code 1002, report r.json"),
                verdict.failures().stream().map(Object::toString).toList());
        assertTrue(verdict.report().endsWith("3 passed, 2 failed"), verdict.report());
    }

    @Test
    void mainFailsTheBuildOnlyWhenACaseFailsAndQuotesAutobahnsReason(@TempDir Path reports) throws Exception {
        Files.writeString(reports.resolve("index.json"), MIXED);
        Files.writeString(reports.resolve("r.json"), "{\"result\": \"Actual events differ from expected.\","
                + " \"resultClose\": \"Remote close code was 1000.\"}");
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        IllegalStateException failed;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            failed = assertThrows(IllegalStateException.class,
                    () -> AutobahnGate.main(new String[] {reports.toString()}));
        } finally {
            System.setOut(console);
        }
        assertTrue(failed.getMessage().contains("2 failing case(s)"), failed.getMessage());
        String output = printed.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("  2.1: Actual events differ from expected. / close: Remote close code was 1000."),
                output);
        assertTrue(output.endsWith("3 passed, 2 failed" + System.lineSeparator()), output);

        Files.writeString(reports.resolve("index.json"), CLEAN);
        assertDoesNotThrow(() -> AutobahnGate.main(new String[] {reports.toString()}));
    }

    @Test
    void anEmptyOrMissingRunIsAFailureNotAPass(@TempDir Path reports) throws Exception {
        assertThrows(NoSuchFileException.class, () -> AutobahnGate.main(new String[] {reports.toString()}));
        Files.writeString(reports.resolve("index.json"), "{\"agent\": {}}");
        assertThrows(IllegalStateException.class, () -> AutobahnGate.main(new String[] {reports.toString()}));
    }

    @Test
    void malformedIndexIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> AutobahnGate.judge("{\"agent\": {\"1.1.1\": [}}"));
        assertThrows(IllegalArgumentException.class, () -> AutobahnGate.judge("[1, 2]"));
    }

    @Test
    void casesAreOrderedNumberByNumber() {
        assertTrue(AutobahnGate.CaseId.compare("9.10.1", "9.2.1") > 0);
        assertTrue(AutobahnGate.CaseId.compare("1.1.2", "1.1.10") < 0);
        assertEquals(0, AutobahnGate.CaseId.compare("7.1.6", "7.1.6"));
    }
}
