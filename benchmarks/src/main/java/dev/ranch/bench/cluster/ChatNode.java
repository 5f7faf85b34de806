package dev.ranch.bench.cluster;

import dev.ranch.chat.ChatConfig;
import dev.ranch.chat.ChatServer;
import dev.ranch.chat.cluster.ClusterStats;
import dev.ranch.chat.cluster.RedisRoomBus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One chat node in a JVM of its own, for {@link ClusterFanOut}: {@code ChatNode ARGS...} starts
 * {@link ChatServer} with the chat's own command line options ({@code --port 0 --http-port 0
 * --redis redis://... --node-id a}), waits until it has joined the cluster when it is one
 * (subscribed to the channel, so no line of the run is missed for lack of a subscriber), and
 * prints {@code listening on PORT}. Then, as {@code BenchServer --control} does, it answers
 * one line per command on standard input and stops at end of input: {@code stats} answers
 * {@code stats published=N unsent=N received=N} (zeros when alone).
 */
public final class ChatNode {

    private static final long LINK_MILLIS = 10_000;

    private ChatNode() {}

    /** Runs the node until standard input ends. */
    public static void main(String[] args) throws Exception {
        // Standard output is the parent's channel; whatever the chat logs goes to standard error.
        PrintStream control = System.out;
        System.setOut(System.err);
        ChatServer server = ChatServer.start(ChatConfig.parse(args));
        try {
            awaitLinked(server);
            control.println("listening on " + server.port());
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String command; (command = commands.readLine()) != null; ) {
                if (command.equals("stats")) {
                    control.println("stats " + stats(server));
                } else {
                    control.println("unknown " + command);
                }
            }
        } finally {
            server.close();
        }
    }

    private static void awaitLinked(ChatServer server) throws IOException, InterruptedException {
        if (!(server.bus() instanceof RedisRoomBus bus)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINK_MILLIS);
        while (!bus.stats().linked()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("node not linked to Redis after " + LINK_MILLIS + " ms");
            }
            Thread.sleep(10);
        }
    }

    private static String stats(ChatServer server) {
        if (!(server.bus() instanceof RedisRoomBus bus)) {
            return "published=0 unsent=0 received=0";
        }
        ClusterStats s = bus.stats();
        return "published=" + s.published() + " unsent=" + s.unsent() + " received=" + s.received();
    }
}
