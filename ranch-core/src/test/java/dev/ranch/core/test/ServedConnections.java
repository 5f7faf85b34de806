package dev.ranch.core.test;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The server-side {@link Connection}s of a test, kept from {@code init} to {@code onClose},
 * so a test can find the connection of a given client and act on it from the test thread:
 * {@link #act} sends it a {@link Consumer} that its {@link Steerable} protocol runs on the
 * owner loop (the only thread allowed to call {@code close()} or {@code removeFromCount()}).
 */
public final class ServedConnections {

    private final Map<Long, Connection> open = new ConcurrentHashMap<>();
    private final ConnectionTracker tracker;

    public ServedConnections(ConnectionTracker tracker) {
        this.tracker = tracker;
    }

    /** A new {@link Steerable} protocol reporting to this registry and its tracker. */
    public Protocol newProtocol() {
        return new Steerable(this);
    }

    /** The connections whose {@code init} ran and whose {@code onClose} has not. */
    public List<Connection> open() {
        return List.copyOf(open.values());
    }

    /** The open connection whose peer is the client bound to {@code clientPort}. */
    public Optional<Connection> byClientPort(int clientPort) {
        return open.values().stream()
                .filter(c -> ((InetSocketAddress) c.peer()).getPort() == clientPort)
                .findFirst();
    }

    /** Runs {@code action} on {@code connection}'s owner loop, through its mailbox. */
    public static boolean act(Connection connection, Consumer<Connection> action) {
        return connection.send(new Action(action));
    }

    private record Action(Consumer<Connection> body) {}

    /**
     * A {@link GreetingProtocol} that registers itself and runs the actions sent with
     * {@link #act}. Tests may extend it; overrides must call {@code super}.
     */
    public static class Steerable extends GreetingProtocol {
        private final Map<Long, Connection> open;

        public Steerable(ServedConnections registry) {
            super(registry.tracker);
            this.open = registry.open;
        }

        @Override
        public void init(Connection connection) {
            open.put(connection.id(), connection);
            super.init(connection);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (message instanceof Action action) {
                action.body().accept(connection);
            }
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            open.remove(connection.id());
            super.onClose(connection, cause);
        }
    }
}
