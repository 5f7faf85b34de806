package dev.ranch.chat;

import dev.ranch.core.test.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics} on the HTTP port, scraped over a real socket as Prometheus would. */
class ChatMetricsTest {

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @Test
    @EnabledOnOs(OS.LINUX)
    void aScrapeCarriesLoopLagAcceptQueueAndChatFamiliesForBothListeners() {
        ChatServer server = chat.start(ChatConfig.builder().eventLoops(2));
        chat.client().join("lobby");
        chat.client().join("lobby");

        await().atMost(PATIENCE).until(() -> value(scrape(server), "ranch_loop_lag_seconds", "listener=\"chat\",loop=\"ranch-loop-1\"") >= 0);
        String text = scrape(server);
        assertTrue(text.startsWith("# HELP") || text.contains("\n# HELP"), text);
        for (String listener : new String[] {"chat", "chat-http"}) {
            String tag = "listener=\"" + listener + "\"";
            assertEquals(0, value(text, "ranch_accept_queue_connections", tag), "nothing waits to be accepted");
            assertTrue(value(text, "ranch_loop_lag_seconds", tag + ",loop=\"ranch-loop-0\"") >= 0, text);
            assertTrue(value(text, "ranch_connections_accepted_connections_total", tag) >= 1, text);
        }
        assertEquals(2, value(text, "ranch_connections_active_connections", "listener=\"chat\""));
        assertEquals(1, value(text, "chat_rooms", null));
        assertEquals(2, value(text, "chat_members", null));
        assertTrue(text.contains("# TYPE ranch_received_bytes_total counter"), text);
        assertTrue(value(text, "ranch_received_bytes_total", "listener=\"chat\"") >= "JOIN lobby\n".length() * 2, text);
    }

    /** One {@code GET /metrics} over a fresh socket; the body of the 200. */
    private static String scrape(ChatServer server) {
        try (TestClient client = TestClient.connect(server.httpPort())) {
            client.write("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            String response = new String(client.readToEnd(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.toLowerCase().contains("content-type: text/plain; version=0.0.4"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    /** The sample of {@code family} whose labels contain {@code labels}; fails when there is none. */
    private static double value(String text, String family, String labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(family) + "(\\{([^}]*)\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        while (m.find()) {
            if (labels == null || (m.group(2) != null && m.group(2).contains(labels))) {
                return Double.parseDouble(m.group(3));
            }
        }
        throw new AssertionError("no sample " + family + "{" + labels + "} in:\n" + text);
    }
}
