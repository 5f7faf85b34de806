package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The answers to pipelined requests that arrive in one read leave in one write: the
 * connection gathers every response of the callback and writes once at its end. Counted at
 * the transport seam, below the connection, on real loopback sockets.
 */
class PipelinedBatchWriteTest {

    private static final int DEPTH = 16;
    private static final byte[] REQUEST = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void sixteenPipelinedRequestsReadTogetherAreAnsweredWithOneWrite() throws Exception {
        CountingTcp transport = new CountingTcp();
        Router router = Router.builder().get("/hello", (req, res) -> res.send("hello")).build();
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener listener = ranch.startListener("http", transport, Loopback.options().build(),
                    HttpServer.protocol(router, HttpOptions.DEFAULTS));
            byte[] batch = new byte[REQUEST.length * DEPTH];
            for (int i = 0; i < DEPTH; i++) {
                System.arraycopy(REQUEST, 0, batch, i * REQUEST.length, REQUEST.length);
            }
            try (RawClient client = RawClient.connect(listener.port())) {
                for (int round = 0; round < 50; round++) {
                    client.send(batch);
                    for (int i = 0; i < DEPTH; i++) {
                        assertEquals("hello", client.read().body());
                    }
                }
            }
            int reads = transport.readsWithData.get();
            int writes = transport.writes.get();
            // The kernel may split a batch over two reads; never may one read cause two writes.
            assertTrue(reads >= 50, "reads with data: " + reads);
            assertEquals(reads, writes, "write calls for " + reads + " reads that carried requests");
        }
    }

    /** TCP that counts the reads that carried bytes and the write calls of its sessions. */
    private static final class CountingTcp implements Transport {
        private final Transport tcp = Transports.tcp();
        final AtomicInteger readsWithData = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public String name() {
            return "counting-tcp";
        }

        @Override
        public boolean secure() {
            return false;
        }

        @Override
        public ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException {
            return tcp.listen(address, backlog, reusePort);
        }

        @Override
        public void configureAccepted(SocketChannel channel, ListenerOptions options) throws IOException {
            tcp.configureAccepted(channel, options);
        }

        @Override
        public TransportSession newSession(SocketChannel channel) {
            TransportSession plain = tcp.newSession(channel);
            return new TransportSession() {
                @Override
                public HandshakeStatus handshake(SocketChannel c) throws IOException {
                    return plain.handshake(c);
                }

                @Override
                public int read(SocketChannel c, ByteBuffer dst) throws IOException {
                    int n = plain.read(c, dst);
                    if (n > 0) {
                        readsWithData.incrementAndGet();
                    }
                    return n;
                }

                @Override
                public long write(SocketChannel c, ByteBuffer[] srcs, int offset, int length) throws IOException {
                    writes.incrementAndGet();
                    return plain.write(c, srcs, offset, length);
                }

                @Override
                public int write(SocketChannel c, ByteBuffer src) throws IOException {
                    writes.incrementAndGet();
                    return plain.write(c, src);
                }
            };
        }
    }
}
