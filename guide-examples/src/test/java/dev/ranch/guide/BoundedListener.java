package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Alarm;
import dev.ranch.core.listener.AtLimit;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A TCP listener with a hard limit that tells late clients so, and the same service on a Unix socket. */
public final class BoundedListener {

    /** Loops and read buffers are the ranch's, shared by all its listeners. */
    public static Ranch newRanch() {
        return Ranch.builder()
                .eventLoops(2)                                   // default: one per processor
                .readBufferSize(64 * 1024)                       // one per loop; the most one onData carries
                .jmx(true)                                       // an MBean per listener (the default)
                .build();
    }

    public static Listener startTcp(Ranch ranch, int port, int maxConnections) {
        ListenerOptions options = ListenerOptions.builder()
                .bindAddress(InetAddress.getLoopbackAddress())   // this machine only
                .port(port)                                      // 0: the kernel picks, listener.port() says
                .maxConnections(maxConnections)                  // never more served at once
                .atLimit(AtLimit.REJECT)                         // past it: onRejected, then close
                .idleTimeout(Duration.ofMinutes(5))              // onIdle after 5 minutes without a byte
                .acceptRate(1_000, 100)                          // 1000 accepts a second after a burst of 100
                .alarm(new Alarm("nearly-full", Math.max(1, maxConnections * 9 / 10), Duration.ofSeconds(5),
                        (alarm, listener, connections) ->        // on an acceptor thread: keep it short
                                System.out.println(alarm + ": " + connections.size() + " connections")))
                .build();
        return ranch.startListener("bounded", Transports.tcp(), options, connection -> new Service());
    }

    public static Listener startUnix(Ranch ranch, Path socketFile) {
        return ranch.startListener("bounded-local", Transports.unix(),
                ListenerOptions.builder().unixPath(socketFile).build(), // the file is deleted at stop
                connection -> new Service());
    }

    static final class Service implements Protocol {
        @Override
        public void onHandshake(Connection connection) {
            write(connection, "welcome");
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.write(data);
        }

        @Override
        public void onRejected(Connection connection) {        // not served, not counted
            write(connection, "ERR server full");               // closed once this returns
        }

        @Override
        public void onIdle(Connection connection) {
            write(connection, "BYE idle");
            connection.close();
        }

        private static void write(Connection connection, String line) {
            connection.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
