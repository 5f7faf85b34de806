package dev.ranch.bench.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The ranch side of every pair: ranch-core with its defaults, except a limit high enough for
 * the idle-connection benchmark.
 */
public final class RanchServers {

    private RanchServers() {}

    /** Starts {@code workload} on {@code port} with {@code loops} event loops. */
    public static Server start(Workload workload, int port, int loops) {
        Ranch ranch = Ranch.builder().eventLoops(loops).jmx(false).build();
        try {
            ListenerOptions options = ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress())
                    .port(port)
                    .backlog(1024)
                    .maxConnections(ListenerOptions.INFINITY)
                    .build();
            Listener listener = switch (workload) {
                case ECHO -> ranch.startListener("echo", Transports.tcp(), options, connection -> new Echo());
            };
            return new RanchServer(ranch, listener);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    /** Writes back what it reads: socket first, the rest queued by the connection. */
    static final class Echo implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.write(data);
        }
    }

    private record RanchServer(Ranch ranch, Listener listener) implements Server {
        @Override
        public int port() {
            return listener.port();
        }

        @Override
        public int connections() {
            return listener.info().allConnections();
        }

        @Override
        public void close() {
            ranch.close();
        }
    }
}
