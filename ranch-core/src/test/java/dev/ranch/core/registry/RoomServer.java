package dev.ranch.core.registry;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry against real connections: a line protocol on a loopback listener registers
 * each connection under the rooms its client asks for ({@code JOIN room}), and writes every
 * mailbox message it gets back to its client ({@code MSG text}), so a test sees deliveries
 * from the client side, and counts each {@link Backlog} it is sent. The listener is named {@value #NAME}.
 */
final class RoomServer {

    static final String NAME = "rooms";

    private final OpenClients clients;
    private final Listener listener;
    private final Map<Long, Connection> accepted = new ConcurrentHashMap<>();

    /**
     * A message that counts its copies not yet taken by their connections: each send adds what
     * {@code Registry.send} returned, each delivery (or hand-back at a close) takes one away.
     * A test that floods the mailboxes from many threads waits on it, so that the owner
     * threads keep up however little of the CPU a loaded machine gives them.
     */
    static final class Backlog {
        private final AtomicLong waiting = new AtomicLong();

        void sent(int copies) {
            waiting.addAndGet(copies);
        }

        void arrived() {
            waiting.decrementAndGet();
        }

        long waiting() {
            return waiting.get();
        }
    }

    /** A client and the server side of its connection. */
    record Member(TestClient client, Connection connection) {
    }

    /** Thrown by the protocol on {@code CRASH}; without a stack trace, to keep the log short. */
    private static final class RequestedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RequestedCrash() {
            super("crash requested by the client", null, false, false);
        }
    }

    /**
     * One command per line: {@code HELLO}, {@code JOIN room}, {@code LEAVE room}, {@code QUIT}
     * (graceful close), {@code ABORT}, {@code CRASH} (throws from onData). Writes each String
     * it receives in its mailbox as {@code MSG text}; ignores other messages.
     */
    private static final class RoomProtocol implements Protocol {
        private final Registry<String> rooms;
        private final StringBuilder line = new StringBuilder();

        RoomProtocol(Registry<String> rooms) {
            this.rooms = rooms;
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            while (data.hasRemaining()) {
                char c = (char) data.get();
                if (c == '\n') {
                    String command = line.toString();
                    line.setLength(0);
                    handle(connection, command);
                } else {
                    line.append(c);
                }
            }
        }

        private void handle(Connection connection, String command) {
            String[] parts = command.split(" ", 2);
            switch (parts[0]) {
                case "HELLO" -> reply(connection, "HELLO " + connection.id());
                case "JOIN" -> reply(connection,
                        "JOINED " + parts[1] + " " + connection.id() + " " + rooms.register(parts[1], connection));
                case "LEAVE" -> reply(connection, "LEFT " + parts[1] + " " + rooms.unregister(parts[1], connection));
                case "QUIT" -> connection.close();
                case "ABORT" -> connection.abort();
                case "CRASH" -> throw new RequestedCrash();
                default -> reply(connection, "ERROR " + command);
            }
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (message instanceof String text) {
                reply(connection, "MSG " + text);
            } else if (message instanceof Backlog backlog) {
                backlog.arrived();
            }
        }

        @Override
        public void onUndelivered(Connection connection, Object message) {
            if (message instanceof Backlog backlog) {
                backlog.arrived();
            }
        }

        private static void reply(Connection connection, String text) {
            connection.write((text + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Starts the listener on {@code ranch}; its connections join and leave rooms in {@code registry}. */
    RoomServer(Ranch ranch, OpenClients clients, Registry<String> registry) {
        this.clients = clients;
        this.listener = ranch.startListener(NAME, Transports.tcp(), Loopback.options().build(), c -> {
            accepted.put(c.id(), c);
            return new RoomProtocol(registry);
        });
    }

    /** Connects a client and finds the server side of its connection. */
    Member connect() {
        TestClient client = clients.connect(listener.port());
        client.write("HELLO\n");
        String hello = client.readLine();
        assertTrue(hello.startsWith("HELLO "), hello);
        Connection connection = accepted.get(Long.parseLong(hello.substring("HELLO ".length())));
        return new Member(client, connection);
    }

    List<Member> connect(int n) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(connect());
        }
        return members;
    }

    /** Joins {@code room} through the protocol; returns what {@code register} returned on the loop. */
    static boolean join(Member member, String room) {
        member.client().write("JOIN " + room + "\n");
        String reply = member.client().readLine();
        String prefix = "JOINED " + room + " " + member.connection().id() + " ";
        assertTrue(reply.startsWith(prefix), reply);
        return Boolean.parseBoolean(reply.substring(prefix.length()));
    }

    /** Leaves {@code room} through the protocol; returns what {@code unregister} returned on the loop. */
    static boolean leave(Member member, String room) {
        member.client().write("LEAVE " + room + "\n");
        String reply = member.client().readLine();
        String prefix = "LEFT " + room + " ";
        assertTrue(reply.startsWith(prefix), reply);
        return Boolean.parseBoolean(reply.substring(prefix.length()));
    }

    /** The server sides of {@code members}' connections. */
    static Set<Connection> connectionsOf(List<Member> members) {
        Set<Connection> set = new HashSet<>();
        for (Member m : members) {
            set.add(m.connection());
        }
        return set;
    }
}
