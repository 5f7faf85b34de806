package dev.ranch.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * The fairness attack on a chat server, and the measurement of its harm: room {@code flood}
 * has {@code silent} members that never read and {@code flooders} members that write lines as
 * fast as the server takes them (and read and discard what they receive, so they stay in the
 * room); meanwhile a pair of members in room {@code calm} play ping-pong, one line each way,
 * and the round trips are recorded. Everything is loopback and bounded in time. Test thread
 * only; the flooders run on one thread of their own.
 */
final class RoomFlood implements AutoCloseable {

    /** What the calm pair saw while the flood ran. Times in microseconds. */
    record Result(int roundTrips, long p50Micros, long p99Micros, long maxMicros, long floodBytes, int newcomers,
                  ChatStats stats) {
        @Override
        public String toString() {
            return String.format("%d round trips: p50 %.1f ms, p99 %.1f ms, max %.1f ms; flooders wrote %d MiB;"
                            + " %d silent newcomers replaced those cut; %s",
                    roundTrips, p50Micros / 1000.0, p99Micros / 1000.0, maxMicros / 1000.0,
                    floodBytes >> 20, newcomers, stats);
        }
    }

    private static final byte[] FLOOD_BLOCK = floodBlock();

    private final ChatServer server;
    private final List<SocketChannel> silent = new ArrayList<>();
    private final List<SocketChannel> flooders = new ArrayList<>();
    private final Selector selector;
    private final AtomicLong floodBytes = new AtomicLong();
    private volatile boolean flooding = true;
    private Thread floodThread;
    private Thread topUpThread;
    private int target;
    /** Written by the top-up thread only. */
    private volatile int newcomers;

    private RoomFlood(ChatServer server) throws IOException {
        this.server = server;
        this.selector = Selector.open();
    }

    /**
     * Connects {@code silentMembers} readers that never read and {@code flooderCount} flooders
     * to {@code server}, all in room {@code flood}, and starts flooding once every one of them
     * has joined.
     */
    static RoomFlood start(ChatServer server, int silentMembers, int flooderCount) {
        try {
            RoomFlood flood = new RoomFlood(server);
            for (int i = 0; i < silentMembers; i++) {
                flood.silent.add(joined(server.port(), "flood"));
            }
            for (int i = 0; i < flooderCount; i++) {
                SocketChannel flooder = joined(server.port(), "flood");
                flooder.configureBlocking(false);
                flooder.register(flood.selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE,
                        ByteBuffer.wrap(FLOOD_BLOCK));
                flood.flooders.add(flooder);
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> server.members("flood") == silentMembers + flooderCount);
            flood.target = silentMembers + flooderCount;
            flood.floodThread = new Thread(flood::flood, "room-flood");
            flood.floodThread.start();
            flood.topUpThread = new Thread(flood::topUp, "room-flood-top-up");
            flood.topUpThread.start();
            return flood;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Plays ping-pong between two members of room {@code calm} for {@code duration}, a round
     * trip every {@code pauseMillis}, and returns what it measured.
     */
    Result measureCalmRoom(Duration duration, long pauseMillis) throws InterruptedException {
        long[] micros = new long[1 << 16];
        int n = 0;
        try (LineClient ping = LineClient.connect(server.port()); LineClient pong = LineClient.connect(server.port())) {
            ping.join("calm");
            pong.join("calm");
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end && n < micros.length) {
                long start = System.nanoTime();
                ping.send("ping " + n);
                expect(pong.readLine(), "ping " + n);
                pong.send("pong " + n);
                expect(ping.readLine(), "pong " + n);
                micros[n++] = (System.nanoTime() - start) / 1000;
                Thread.sleep(pauseMillis);
            }
        }
        long[] sorted = Arrays.copyOf(micros, n);
        Arrays.sort(sorted);
        return new Result(n, percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[n - 1],
                floodBytes.get(), newcomers, server.stats());
    }

    private static void expect(String line, String expected) {
        if (!line.equals(expected)) {
            throw new AssertionError("calm room: expected '" + expected + "', got '" + line + "'");
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /**
     * Keeps the room full: each member the server cuts off as too slow is replaced by a new
     * silent one, as a determined attacker would, so the flood lasts as long as the measurement. The
     * replacements are bounded by ten times the room, to stay below the fd limit.
     */
    private void topUp() {
        try {
            while (flooding && newcomers < 10 * target) {
                int missing = (int) server.stats().slowConsumersDisconnected() - newcomers;
                for (int i = 0; i < missing && flooding; i++) {
                    silent.add(joined(server.port(), "flood"));
                    newcomers = newcomers + 1;
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes the flood block round and round to every flooder, and reads and drops what they get. */
    private void flood() {
        ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (flooding) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel channel = (SocketChannel) key.channel();
                    if (!key.isValid()) {
                        continue;
                    }
                    try {
                        if (key.isReadable()) {
                            int n;
                            do {
                                sink.clear();
                                n = channel.read(sink);
                            } while (n > 0);
                            if (n < 0) {
                                key.cancel();
                                continue;
                            }
                        }
                        if (key.isWritable()) {
                            ByteBuffer block = (ByteBuffer) key.attachment();
                            floodBytes.addAndGet(channel.write(block));
                            if (!block.hasRemaining()) {
                                block.rewind();
                            }
                        }
                    } catch (IOException e) {
                        key.cancel();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        flooding = false;
        try {
            if (topUpThread != null) {
                topUpThread.join(10_000);
            }
            if (floodThread != null) {
                floodThread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.close();
        for (SocketChannel channel : flooders) {
            channel.close();
        }
        for (SocketChannel channel : silent) {
            channel.close();
        }
    }

    private static SocketChannel joined(int port, String room) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        channel.write(ByteBuffer.wrap(("JOIN " + room + "\n").getBytes(StandardCharsets.US_ASCII)));
        return channel;
    }

    /** 64 KiB of 64-byte chat lines. */
    private static byte[] floodBlock() {
        StringBuilder text = new StringBuilder();
        String line = "flood " + "x".repeat(57) + "\n";
        while (text.length() + line.length() <= 64 * 1024) {
            text.append(line);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
