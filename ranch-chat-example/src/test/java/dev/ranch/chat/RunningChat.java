package dev.ranch.chat;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The chat server a test starts and the {@link LineClient}s it connects to it. Register it as
 * an instance field with {@code @RegisterExtension}: after the test, whether it passed or not,
 * everything it opened is closed, newest first, so the clients go before their server.
 */
final class RunningChat implements AfterEachCallback {

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private ChatServer server;

    /** Starts a server with {@code config} on a free port. */
    ChatServer start(ChatConfig.Builder config) {
        server = ChatServer.start(config.port(0).httpPort(0).build());
        open.push(server);
        return server;
    }

    /** Starts a server with {@code config} on the given TCP and HTTP ports. */
    ChatServer start(ChatConfig.Builder config, int port, int httpPort) {
        server = ChatServer.start(config.port(port).httpPort(httpPort).build());
        open.push(server);
        return server;
    }

    /** The server {@link #start} started. */
    ChatServer server() {
        return server;
    }

    /** Closes {@code resource} after the test, before the server. */
    <T extends AutoCloseable> T closeAfter(T resource) {
        open.push(resource);
        return resource;
    }

    /** A client connected to the server. */
    LineClient client() {
        return client(0);
    }

    /** A client connected to the server with {@code SO_RCVBUF} set when {@code receiveBuffer > 0}. */
    LineClient client(int receiveBuffer) {
        LineClient client = LineClient.connect(server.port(), receiveBuffer);
        open.push(client);
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
