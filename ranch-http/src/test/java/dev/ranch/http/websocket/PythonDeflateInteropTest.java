package dev.ranch.http.websocket;

import dev.ranch.core.test.SystemPackages;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An independent permessage-deflate implementation: Debian's {@code python3-websockets} (run by
 * {@code /usr/bin/python3}) with compression on, so both directions are compressed by one side
 * and inflated by the other. The package is installed when missing, where the build can; else skipped.
 */
class PythonDeflateInteropTest {

    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void pythonWebsocketsClientRoundTripsCompressedMessages() throws Exception {
        SystemPackages.ensure("python3-websockets", PythonWebSocketsInteropTest::systemPythonImportsWebsockets);
        Path script = Files.createTempFile("ws-client", ".py");
        try (InputStream in = getClass().getResourceAsStream("/websocket/python_deflate_client.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            WebSocketOptions options = WebSocketOptions.builder().deflate(true)
                    .maxFrameSize(16 << 20).maxMessageSize(16 << 20).build();
            try (WsTestServer server = WsTestServer.echo(options)) {
                String out = run(script, server.port());
                assertTrue(out.contains("extensions: permessage-deflate"), out);
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static String run(Path script, int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, script.toString(), String.valueOf(port))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("echoes: ok") && out.contains("fragmented: ok") && out.contains("ping: ok")
                && out.contains("close: 1000"), out);
        return out;
    }
}
