package dev.ranch.core.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Thousands of hostile clients on one thread: non-blocking loopback sockets driven by one
 * selector, for attacks at scale (slowloris, slow consumers) where a thread per client would
 * cost more than the server under test. Connections come from rotating loopback source
 * addresses ({@code 127.0.0.1} to {@code 127.0.0.<sources>}), so ephemeral ports of one
 * address do not run out. Each member either trickles bytes ({@link #trickle}), or sends
 * a burst and never reads ({@link #sendAndNeverRead}). Built and steered from the test thread;
 * the fleet's own thread does the I/O; {@link Member} figures are safe to read from any thread.
 */
public final class SocketFleet implements AutoCloseable {

    /** One client of the fleet. */
    public static final class Member {
        private final SocketChannel channel;
        private final long connectedNanos;
        private volatile long cutNanos = -1;
        private final ByteBuffer firstBytes = ByteBuffer.allocate(32);
        private volatile String first = "";
        private ByteBuffer pending;
        private long sent;

        private Member(SocketChannel channel) {
            this.channel = channel;
            this.connectedNanos = System.nanoTime();
        }

        /** When its connect completed ({@link System#nanoTime()}). */
        public long connectedNanos() {
            return connectedNanos;
        }

        /**
         * When the server cut it: the first byte of an answer, end of stream or a reset,
         * whichever came first ({@link System#nanoTime()}); -1 while it has not.
         */
        public long cutNanos() {
            return cutNanos;
        }

        /** Whether the server has cut it. */
        public boolean isCut() {
            return cutNanos >= 0;
        }

        /** The first bytes the server sent (up to 32, as ISO-8859-1), empty if none. */
        public String firstBytes() {
            return first;
        }
    }

    private final List<Member> members;
    private final Selector selector;
    private final Thread pump;
    private volatile boolean running = true;
    private volatile Runnable everyTick = () -> {};
    private volatile long tickNanos = TimeUnit.MILLISECONDS.toNanos(50);
    private volatile boolean reading;

    private SocketFleet(List<Member> members, Selector selector) {
        this.members = members;
        this.selector = selector;
        this.pump = new Thread(this::pump, "socket-fleet");
        this.pump.setDaemon(true);
    }

    /**
     * Connects {@code count} clients to the loopback {@code port}, one after another, with
     * {@code SO_RCVBUF} of {@code receiveBuffer} bytes (0: the OS default) from {@code sources}
     * source addresses. On failure every socket opened so far is closed.
     */
    public static SocketFleet connect(int port, int count, int receiveBuffer, int sources) {
        List<Member> members = new ArrayList<>(count);
        try {
            Selector selector = Selector.open();
            try {
                InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                for (int i = 0; i < count; i++) {
                    SocketChannel channel = SocketChannel.open();
                    try {
                        if (receiveBuffer > 0) {
                            // Before connect, so the window the client offers is small from the start.
                            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
                        }
                        channel.bind(new InetSocketAddress(
                                InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % sources)}), 0));
                        channel.connect(server);
                        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        channel.configureBlocking(false);
                    } catch (IOException | RuntimeException e) {
                        channel.close();
                        throw e;
                    }
                    Member member = new Member(channel);
                    members.add(member);
                    channel.register(selector, 0, member);
                }
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
            SocketFleet fleet = new SocketFleet(members, selector);
            fleet.pump.start();
            return fleet;
        } catch (IOException e) {
            for (Member member : members) {
                closeQuietly(member.channel);
            }
            throw new UncheckedIOException("connected " + members.size() + " of " + count + " clients", e);
        }
    }

    /**
     * Makes every member send one byte per {@code interval}: the bytes of {@code prefix},
     * then {@code repeat} over and over, and watch for the server's answer or close (see
     * {@link Member#cutNanos()}). The slowloris attack, with a header that never ends.
     */
    public void trickle(byte[] prefix, byte[] repeat, Duration interval) {
        reading = true;
        tickNanos = interval.toNanos();
        everyTick = () -> {
            for (Member member : members) {
                if (member.isCut()) {
                    continue;
                }
                long k = member.sent++;
                byte b = k < prefix.length ? prefix[(int) k] : repeat[(int) ((k - prefix.length) % repeat.length)];
                try {
                    member.channel.write(ByteBuffer.wrap(new byte[] {b}));
                } catch (IOException e) {
                    cut(member);
                }
            }
        };
        selector.wakeup();
    }

    /**
     * Makes every member send {@code bytes} (as much as the server takes, the rest as it
     * drains) and never read a byte: a slow consumer, whose small receive buffer soon
     * fills, so everything the server answers stays on the server's side.
     */
    public void sendAndNeverRead(byte[] bytes) {
        List<Member> snapshot = List.copyOf(members);
        everyTick = () -> {
            for (Member member : snapshot) {
                if (member.pending == null && member.sent == 0) {
                    member.pending = ByteBuffer.wrap(bytes);
                    member.sent = 1;
                    flush(member);
                }
            }
        };
        tickNanos = TimeUnit.MILLISECONDS.toNanos(50);
        selector.wakeup();
    }

    /** The members, in connect order. */
    public List<Member> members() {
        return members;
    }

    /** How many members the server has not cut yet. */
    public int uncut() {
        int n = 0;
        for (Member member : members) {
            if (!member.isCut()) {
                n++;
            }
        }
        return n;
    }

    private void pump() {
        long nextTick = System.nanoTime();
        while (running) {
            try {
                long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
                selector.select(key -> ready(key), wait);
                if (System.nanoTime() - nextTick >= 0) {
                    if (reading) {
                        for (Member member : members) {
                            SelectionKey key = member.channel.keyFor(selector);
                            if (key != null && key.isValid() && !member.isCut()
                                    && (key.interestOps() & SelectionKey.OP_READ) == 0) {
                                key.interestOps(key.interestOps() | SelectionKey.OP_READ);
                            }
                        }
                    }
                    everyTick.run();
                    nextTick = System.nanoTime() + tickNanos;
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    throw new IllegalStateException("the fleet's pump failed", e);
                }
            }
        }
    }

    private void ready(SelectionKey key) {
        Member member = (Member) key.attachment();
        if (!key.isValid()) {
            return;
        }
        if (key.isReadable()) {
            read(member, key);
        }
        if (key.isValid() && key.isWritable()) {
            flush(member);
        }
    }

    private void read(Member member, SelectionKey key) {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        try {
            int n = member.channel.read(buffer);
            buffer.flip();
            if (member.firstBytes.hasRemaining() && n > 0) {
                ByteBuffer head = buffer.duplicate();
                head.limit(head.position() + Math.min(head.remaining(), member.firstBytes.remaining()));
                member.firstBytes.put(head);
                member.first = new String(member.firstBytes.array(), 0, member.firstBytes.position(),
                        StandardCharsets.ISO_8859_1);
            }
            if (n != 0 && !member.isCut()) {
                member.cutNanos = System.nanoTime();
            }
            if (n < 0) {
                key.cancel();
                closeQuietly(member.channel);
            }
        } catch (IOException e) {
            cut(member);
            key.cancel();
            closeQuietly(member.channel);
        }
    }

    private void flush(Member member) {
        SelectionKey key = member.channel.keyFor(selector);
        try {
            if (member.pending != null) {
                member.channel.write(member.pending);
                if (!member.pending.hasRemaining()) {
                    member.pending = null;
                }
            }
            if (key != null && key.isValid()) {
                key.interestOps(member.pending == null ? key.interestOps() & ~SelectionKey.OP_WRITE
                        : key.interestOps() | SelectionKey.OP_WRITE);
            }
        } catch (IOException e) {
            cut(member);
            if (key != null) {
                key.cancel();
            }
        }
    }

    private static void cut(Member member) {
        if (!member.isCut()) {
            member.cutNanos = System.nanoTime();
        }
    }

    /** Stops the fleet's thread and closes every socket. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            pump.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Member member : members) {
            closeQuietly(member.channel);
        }
        closeQuietly(selector);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Test cleanup.
        }
    }
}
