package dev.ranch.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The systemd units shipped in docs/systemd for the chat: they say what socket activation of
 * the chat needs (one listening socket on standard input, logs not to that socket, the flag
 * that serves it), and {@code systemd-analyze verify} accepts them where it is installed.
 */
class SystemdUnitsTest {

    private static final Path UNITS = Path.of("..", "docs", "systemd");

    @TempDir
    Path dir;

    @Test
    void theUnitsHandTheChatOneListeningSocketOnStandardInput() throws Exception {
        List<String> socket = Files.readAllLines(UNITS.resolve("ranch-chat.socket"));
        List<String> service = Files.readAllLines(UNITS.resolve("ranch-chat.service"));
        assertTrue(socket.contains("[Socket]") && socket.contains("ListenStream=4040") && socket.contains("Accept=no"),
                "a listening socket, not one accepted connection per service: " + socket);
        assertTrue(service.contains("StandardInput=socket"), "the JDK reads descriptor 0 only");
        assertTrue(service.contains("StandardOutput=journal"), "or the log would be written to the socket");
        assertTrue(service.stream().anyMatch(l -> l.startsWith("ExecStart=") && l.contains("--inherited-socket")),
                "the chat serves the inherited socket instead of binding one");
    }

    @Test
    void systemdAnalyzeVerifiesTheUnits() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        // verify checks that ExecStart's program exists: point it at this JVM's java.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(dir.resolve("ranch-chat.service"),
                Files.readString(UNITS.resolve("ranch-chat.service")).replace("/usr/bin/java", java));
        Files.copy(UNITS.resolve("ranch-chat.socket"), dir.resolve("ranch-chat.socket"));
        Process verify = new ProcessBuilder(analyze.toString(), "verify",
                dir.resolve("ranch-chat.socket").toString(), dir.resolve("ranch-chat.service").toString())
                .redirectErrorStream(true).start();
        String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), said);
        assertTrue(said.isBlank(), "no warnings: " + said);
    }
}
