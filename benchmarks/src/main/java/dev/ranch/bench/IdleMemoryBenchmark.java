package dev.ranch.bench;

import dev.ranch.bench.client.IdleTlsConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Pair 7, memory per idle connection. The echo server of each kind runs in a child JVM
 * ({@link ChildServer}), alone in its heap and with its own descriptor limit; the benchmark
 * opens {@code connections} client sockets to it, waits until the server has them all, and
 * reports the growth of the child's used heap after full collections, divided by the count:
 * the secondary result {@code heapBytesPerConnection}. The primary score is the time to open
 * them all and measure, of little interest.
 *
 * <p>Only heap is counted. ranch keeps no buffer per connection; Netty's pooled allocator
 * keeps its (direct, thread-local) buffers whatever the connection count.
 *
 * <p>With {@code transport=tls} the child serves the TLS echo ({@link dev.ranch.bench.server.Workload#TLS_ECHO})
 * and each client completes a TLS 1.3 handshake and one echoed byte before it goes quiet
 * ({@link IdleTlsConnection}): the figure then includes each side's {@code SSLEngine} and
 * session, and whatever buffers a quiet TLS connection keeps.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class IdleMemoryBenchmark {

    /** Server kind: {@code ranch} or {@code netty-nio}; {@code netty-epoll} with {@code -p} where its native library is on the class path. */
    @Param({"ranch", "netty-nio"})
    public String server;

    /**
     * {@code tcp} (the default), or {@code tls} with {@code -p transport=tls}: TLS 1.3
     * connections that echoed one byte, then went quiet. Not in the default run: 10,000 TLS
     * handshakes take about a minute and a half per server on two cores.
     */
    @Param({"tcp"})
    public String transport;

    /** Idle connections to hold open. */
    @Param({"10000"})
    public int connections;

    private final SSLContext clientTls = IdleTlsConnection.anyCertificate();
    private ChildServer child;
    private SocketChannel[] clients;
    private long baseline;

    /**
     * The figure this benchmark is for, reported next to the time. JMH sums {@code EVENTS}
     * counters over the measurement iterations, so each iteration reports its share
     * (its figure divided by the iteration count) and the sum JMH prints is the mean.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Heap {
        /** Heap growth of the server per idle connection, in bytes (mean over iterations). */
        public double heapBytesPerConnection;

        private int iterations = 1;

        /** Learns how many measurement iterations share the sum. */
        @Setup(Level.Trial)
        public void iterations(BenchmarkParams params) {
            iterations = Math.max(1, params.getMeasurement().getCount());
        }

        void report(double bytesPerConnection) {
            heapBytesPerConnection = bytesPerConnection / iterations;
        }
    }

    /**
     * Starts the child server, lets one connection come and go (so what a first connection
     * initializes lazily is in the baseline, not in the per-connection figure), and measures
     * its heap with no connection.
     */
    @Setup(Level.Iteration)
    public void start() throws IOException, InterruptedException {
        child = new ChildServer(server + (tls() ? "-tls-echo" : "-echo"), "1g");
        clients = new SocketChannel[connections];
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), child.port());
        SocketChannel first = open(address);
        try {
            child.awaitConnections(1, 10_000);
        } finally {
            first.close();
        }
        child.awaitConnections(0, 10_000);
        baseline = child.usedHeapAfterGc();
    }

    private boolean tls() {
        return transport.equals("tls");
    }

    private SocketChannel open(InetSocketAddress address) throws IOException {
        return tls() ? IdleTlsConnection.open(address, clientTls) : SocketChannel.open(address);
    }

    /** Closes every client socket (with a reset, leaving no TIME_WAIT) and ends the child. */
    @TearDown(Level.Iteration)
    public void stop() throws IOException {
        try {
            for (SocketChannel client : clients) {
                if (client != null) {
                    client.setOption(StandardSocketOptions.SO_LINGER, 0);
                    client.close();
                }
            }
        } finally {
            child.close();
        }
    }

    /** Opens the connections, waits until the server holds them all, measures its heap. */
    @Benchmark
    public void idleConnections(Heap heap) throws IOException, InterruptedException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), child.port());
        for (int i = 0; i < connections; i++) {
            clients[i] = open(address);
        }
        child.awaitConnections(connections, 30_000);
        heap.report((double) (child.usedHeapAfterGc() - baseline) / connections);
    }
}
