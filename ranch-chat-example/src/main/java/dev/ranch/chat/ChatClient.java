package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.OutboundState;
import dev.ranch.core.client.ReconnectPolicy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A terminal client for the chat: lines from stdin go to the server, lines from the server go
 * to stdout. When the connection drops it reconnects with back-off (an outbound connection of
 * ranch-core) and joins its room again, so a server restart costs a few seconds, not the
 * session. Lines typed while disconnected wait (up to {@link #MAX_WAITING}) and are sent
 * after the re-join. Status goes to stderr.
 *
 * <pre>java -cp ranch-chat-example.jar dev.ranch.chat.ChatClient [--host H] [--port P]</pre>
 */
public final class ChatClient {

    /** Lines kept while disconnected; typing more drops the oldest. */
    static final int MAX_WAITING = 1000;

    private static final String USAGE = String.join("\n",
            "usage: java -cp ranch-chat-example.jar dev.ranch.chat.ChatClient [--host HOST] [--port PORT]",
            "  --host HOST  chat server host (default localhost)",
            "  --port PORT  chat server port (default " + ChatConfig.DEFAULT_PORT + ")",
            "Lines typed are sent to the server; the connection is re-established, and the room",
            "re-joined, when it drops. End of input (Ctrl-D) quits.");

    /** The mailbox message that asks the connection to send the waiting lines. */
    private static final Object FLUSH = new Object();

    private final Queue<String> waiting = new ConcurrentLinkedQueue<>();
    private final PrintStream out;
    private final PrintStream err;
    private volatile String room;

    private ChatClient(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs the client on the process's streams and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs the client until {@code in} ends. Blocks the calling thread.
     *
     * @return 0 after end of input, 2 for a bad command line
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String host = "localhost";
        int port = ChatConfig.DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help")) {
                out.println(USAGE);
                return 0;
            }
            if ((arg.equals("--host") || arg.equals("--port")) && i + 1 < args.length) {
                String value = args[++i];
                if (arg.equals("--host")) {
                    host = value;
                } else {
                    try {
                        port = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 1 || port > 65535) {
                        err.println("bad --port '" + value + "': expected 1..65535");
                        return ChatServer.EXIT_USAGE;
                    }
                }
            } else {
                err.println("unknown or incomplete option '" + arg + "'\n" + USAGE);
                return ChatServer.EXIT_USAGE;
            }
        }
        new ChatClient(out, err).session(new InetSocketAddress(host, port), in);
        return 0;
    }

    private void session(InetSocketAddress address, InputStream in) {
        ReconnectPolicy policy = ReconnectPolicy.exponential()
                .initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofSeconds(10)).build();
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            OutboundConnection server = ranch.connect(address, c -> new ClientProtocol(), policy,
                    (o, state) -> err.println("(" + describe(state, address) + ")"));
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (waiting.size() >= MAX_WAITING) {
                        waiting.poll();
                    }
                    waiting.add(line);
                    server.connection().ifPresent(c -> c.send(FLUSH));
                }
            } catch (IOException e) {
                err.println("(reading input failed: " + e.getMessage() + ")");
            }
            server.close();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String describe(OutboundState state, InetSocketAddress address) {
        switch (state) {
            case CONNECTING: return "connecting to " + address;
            case CONNECTED: return "connected to " + address;
            case BACKING_OFF: return "disconnected; reconnecting soon";
            case GAVE_UP: return "gave up";
            case CLOSED: return "closed";
            default: return state.name();
        }
    }

    /** One connection's protocol: re-join, send the waiting lines, print what arrives. */
    private final class ClientProtocol implements Protocol {

        @Override
        public void onHandshake(Connection connection) {
            String current = room;
            if (current != null) {
                connection.write(("JOIN " + current + "\n").getBytes(StandardCharsets.UTF_8));
            }
            flush(connection);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            flush(connection);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            out.write(bytes, 0, bytes.length);
            out.flush();
        }

        private void flush(Connection connection) {
            String line;
            while ((line = waiting.poll()) != null) {
                if (line.startsWith("JOIN ")) {
                    room = line.substring("JOIN ".length()).trim();
                } else if (line.equals("LEAVE")) {
                    room = null;
                }
                connection.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
