package dev.ranch.chat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** A graceful stop says goodbye to every client, wherever it is. */
class ShutdownTest {

    private final List<LineClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        clients.forEach(LineClient::close);
    }

    @Test
    void everyClientReceivesByeServerShuttingDownAndIsClosed() {
        ChatServer server = ChatServer.start(ChatConfig.builder().port(0).eventLoops(3).build());
        try {
            for (int i = 0; i < 12; i++) {
                LineClient client = LineClient.connect(server.port());
                clients.add(client);
                if (i % 3 != 0) {
                    client.join("room-" + (i % 3)); // and every third is in no room at all
                } else {
                    client.send("HELP").expect("OK commands:");
                }
            }
        } finally {
            // Within the shutdown timeout: every client closes as soon as its BYE is written.
            assertTimeoutPreemptively(Duration.ofSeconds(4), server::close);
        }
        for (LineClient client : clients) {
            List<String> rest = client.readUntilClosed();
            String last = rest.isEmpty() ? "(nothing)" : rest.get(rest.size() - 1);
            if (!"BYE server shutting down".equals(last)) {
                throw new AssertionError("expected the last line to be the shutdown BYE, got " + rest);
            }
        }
        assertThrows(ConnectException.class,
                () -> new Socket(InetAddress.getLoopbackAddress(), server.port()).close(),
                "the port is closed after the stop");
    }

    @Test
    void closingTwiceIsHarmless() {
        ChatServer server = ChatServer.start(ChatConfig.builder().port(0).build());
        LineClient client = LineClient.connect(server.port());
        clients.add(client);
        client.join("r");
        server.close();
        server.close();
        client.expect("BYE server shutting down");
        client.expectClosed();
    }
}
