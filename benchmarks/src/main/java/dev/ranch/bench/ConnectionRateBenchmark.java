package dev.ranch.bench;

import dev.ranch.bench.server.Server;
import dev.ranch.bench.server.ServerKind;
import dev.ranch.bench.server.Workload;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Pair 3, connection rate: connect, one 64-byte echo round trip, close, as fast as
 * {@value #THREADS} blocking client threads can, against an echo server of each
 * {@link ServerKind}. One operation is one whole connection. The client closes first; its
 * loopback TIME_WAIT sockets are reused by Linux ({@code net.ipv4.tcp_tw_reuse}, 2 by default).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(ConnectionRateBenchmark.THREADS)
public class ConnectionRateBenchmark {

    /** Client threads, each with one connection at a time. */
    static final int THREADS = 4;

    /** The server, shared by the client threads. */
    @State(Scope.Benchmark)
    public static class Target {
        /** Server kind: {@code ranch} or {@code netty-nio}; {@code netty-epoll} with {@code -p} where its native library is on the class path. */
        @Param({"ranch", "netty-nio"})
        public String server;

        Server echo;
        InetSocketAddress address;

        /** Starts the server. */
        @Setup(Level.Trial)
        public void start() {
            echo = ServerKind.of(server).start(Workload.ECHO, 0);
            address = new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port());
        }

        /** Stops the server. */
        @TearDown(Level.Trial)
        public void stop() {
            if (echo != null) {
                echo.close();
            }
        }
    }

    /** One client thread's buffers, reused by every connection it makes. */
    @State(Scope.Thread)
    public static class Buffers {
        final ByteBuffer out = ByteBuffer.allocateDirect(64);
        final ByteBuffer in = ByteBuffer.allocateDirect(64);
    }

    /** Connect, send 64 bytes, read them back, close. */
    @Benchmark
    public int connectEchoClose(Target target, Buffers buffers) throws IOException {
        try (SocketChannel channel = SocketChannel.open(target.address)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer out = buffers.out.clear();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteBuffer in = buffers.in.clear();
            while (in.hasRemaining()) {
                if (channel.read(in) < 0) {
                    throw new EOFException("server closed before echoing");
                }
            }
            return in.position();
        }
    }
}
