package dev.ranch.bench;

import dev.ranch.bench.client.FanOutClient;
import dev.ranch.bench.server.Server;
import dev.ranch.bench.server.ServerKind;
import dev.ranch.bench.server.Workload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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

/**
 * Pair 5, chat fan-out: the time from one member writing a line to a room of
 * {@code members} until every other member has received it, against the {@link Workload#CHAT}
 * server of each {@link ServerKind} (ranch-chat-example's {@code ChatServer}; a small Netty
 * line chat on {@code DefaultChannelGroup}). Lower is better. Members and server share this
 * JVM: 1000 client sockets and 1000 server sockets fit the 20,000-descriptor limit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ChatFanOutBenchmark {

    /** A 64-byte line with its LF. */
    static final String MESSAGE = "fan-out: one line for every member of the room, 64 bytes long..";

    /** Server kind: {@code ranch} (ChatServer) or {@code netty-nio}. */
    @Param({"ranch", "netty-nio"})
    public String server;

    /** Members of the room, the sender included. */
    @Param({"1000"})
    public int members;

    private Server chat;
    private FanOutClient client;

    /** Starts the server and joins every member to the room. */
    @Setup(Level.Trial)
    public void start() throws IOException {
        chat = ServerKind.of(server).start(Workload.CHAT, 0);
        client = new FanOutClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), chat.port()),
                members, "bench", MESSAGE);
    }

    /** Stops client and server. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(client, chat);
    }

    /** One line to the room, until all other members have it. */
    @Benchmark
    public long fanOut() {
        return client.fanOut();
    }
}
