package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import dev.ranch.core.client.FifoCodec;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.ReconnectPolicy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/** Two clients of the key-value server of "Writing a protocol", on the ranch's own loops. */
public final class OutboundClients {

    /** Watches a key for as long as the ranch runs, reconnecting (and watching again) after every drop. */
    public static OutboundConnection watch(Ranch ranch, InetSocketAddress server, String key, Consumer<String> lines) {
        ReconnectPolicy policy = ReconnectPolicy.exponential()
                .initialDelay(Duration.ofMillis(100))            // first retry; doubles after each failure
                .maxDelay(Duration.ofSeconds(10))                // up to this
                .jitter(0.2)                                     // each delay +-20 %, so clients spread out
                .maxAttempts(0)                                  // failures in a row before GAVE_UP; 0: never
                .build();
        return ranch.connect(server, connection -> new Watcher(key, lines), policy,
                (outbound, state) -> lines.accept("state " + state));  // CONNECTING, CONNECTED, BACKING_OFF...
    }

    /** Calls answered in the order they were made, over one pipelined connection. */
    public static FifoClient<String, String> keyValue(Ranch ranch, InetSocketAddress server) {
        return FifoClient.builder(new LineCodec())
                .reconnectPolicy(ReconnectPolicy.exponential().build())
                .maxWaiting(1000)                                // calls queued while disconnected
                .callTimeout(Duration.ofSeconds(2))              // unanswered this long: the call fails
                .connect(ranch, server);
    }

    /** An ordinary Protocol: the same callbacks as a server's, on a connection the ranch made. */
    static final class Watcher implements Protocol {
        private final String key;
        private final Consumer<String> lines;
        private final LineFraming framing = new LineFraming(64 * 1024);

        Watcher(String key, Consumer<String> lines) {
            this.key = key;
            this.lines = lines;
        }

        @Override
        public void onHandshake(Connection connection) {         // after every (re)connect
            connection.write(("WATCH " + key + "\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            for (String line = framing.next(data); line != null; line = framing.next(data)) {
                lines.accept(line);
            }
        }
    }

    /** One request per line, one answer per line; keeps a partial answer itself. */
    static final class LineCodec implements FifoCodec<String, String> {
        private LineFraming framing = new LineFraming(64 * 1024);

        @Override
        public ByteBuffer encode(String request) {
            return ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String decode(ByteBuffer in) {
            String line = framing.next(in);
            if (framing.overflowed()) {
                throw new IllegalStateException("answer longer than 64 KiB");  // drops the connection
            }
            return line;
        }

        @Override
        public void reset() {                                    // a new connection: forget the partial line
            framing = new LineFraming(64 * 1024);
        }
    }
}
