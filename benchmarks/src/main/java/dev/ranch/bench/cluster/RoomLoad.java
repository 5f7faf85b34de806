package dev.ranch.bench.cluster;

import dev.ranch.bench.client.ChatJoin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One room of a line chat under load, its members all in this JVM so that one clock serves
 * both ends: member {@code i} joins on node {@code i % nodes}, member 0 is the only sender and
 * every other member only reads. Each line carries {@link System#nanoTime()} of its write (16
 * hex digits, then filler up to {@code lineBytes} with its LF); each member that reads it
 * records the difference in a {@link LatencyHistogram}, one for the members on the sender's
 * node and one for the rest.
 *
 * <p>Two threads while {@link #run} runs: the sender (blocking writes, paced or not) and
 * one reader driving every receiving socket through one {@link Selector}, reading into one
 * shared direct buffer and looking only at the stamp and the LF of each line (lines have a
 * fixed length, so the reader jumps from one to the next). Neither allocates in its loop.
 */
public final class RoomLoad implements AutoCloseable {

    /** Digits of the stamp at the start of each line. */
    private static final int STAMP = 16;
    /** Most lines the sender puts in one write. */
    private static final int MAX_BURST = 64;
    private static final long DRAIN_STALL_MILLIS = 3_000;
    /** Past saturation the backlog can take minutes to drain; what is left then counts as lost. */
    private static final long DRAIN_MAX_MILLIS = 30_000;

    private final int lineBytes;
    private final SocketChannel[] members;
    private final Member[] readers;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
    private final LatencyHistogram local = new LatencyHistogram();
    private final LatencyHistogram remote = new LatencyHistogram();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private volatile Throwable failure;

    /** Parse state of one receiving member. */
    private static final class Member {
        final boolean remote;
        int offset;
        long stamp;
        long lines;
        boolean cut;

        Member(boolean remote) {
            this.remote = remote;
        }
    }

    /**
     * Connects {@code members} sockets, spread over {@code nodes} in turn, and joins each to
     * {@code room}, one after the other, each waiting for its {@code OK}.
     *
     * @throws IOException when a node refuses a connection or a JOIN
     */
    public RoomLoad(List<InetSocketAddress> nodes, int members, String room, int lineBytes) throws IOException {
        if (members < 2 || lineBytes < STAMP + 2) {
            throw new IllegalArgumentException("at least 2 members and lines of " + (STAMP + 2) + " bytes");
        }
        this.lineBytes = lineBytes;
        this.members = new SocketChannel[members];
        this.readers = new Member[members];
        this.selector = Selector.open();
        try {
            for (int i = 0; i < members; i++) {
                SocketChannel channel = ChatJoin.member(nodes.get(i % nodes.size()), room);
                this.members[i] = channel;
                if (i > 0) {
                    readers[i] = new Member(i % nodes.size() != 0);
                    channel.configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ, readers[i]);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * What one {@link #run} measured: {@code sent} and {@code delivered} lines while measured;
     * {@code lost} lines that members still in the room never had after the drain;
     * {@code cut} members a node closed for falling behind; the latencies of members on the
     * sender's node, on other nodes, and of both.
     */
    public record Result(double seconds, long sent, long delivered, long lost, int cut, LatencyHistogram local,
            LatencyHistogram remote, LatencyHistogram all) {

        /** Lines the sender wrote per second while measured. */
        public double linesInPerSecond() {
            return sent / seconds;
        }

        /** Lines members received per second while measured. */
        public double deliveredPerSecond() {
            return delivered / seconds;
        }
    }

    /**
     * Sends for {@code warmup} plus {@code measure}, records only during {@code measure}, then
     * stops sending and waits until every member has every line (or nothing arrived for
     * {@value #DRAIN_STALL_MILLIS} ms, or {@value #DRAIN_MAX_MILLIS} ms have passed). With {@code rate} above 0 the sender writes that many
     * lines per second on schedule (a late sender catches up in writes of up to
     * {@value #MAX_BURST} lines); with 0 it writes {@value #MAX_BURST} lines at a time as fast as
     * its socket takes them, so the chat's own flow control (it stops reading a sender whose
     * lines are not yet out) sets the pace. Each write stamps its lines with the time just
     * before it, so a line's latency starts once the sender's kernel has taken it.
     * {@code window} runs on the calling thread as the measurement starts and again as it ends
     * (for CPU accounting). Call once.
     *
     * @return what was measured
     * @throws IOException when a member's socket fails or closes
     */
    public Result run(int rate, Duration warmup, Duration measure, Runnable window)
            throws IOException, InterruptedException {
        Thread reader = new Thread(this::read, "room-load-reader");
        Thread sender = new Thread(() -> send(rate), "room-load-sender");
        reader.start();
        sender.start();
        try {
            pause(warmup, sender, reader);
            long sent0 = sent.get();
            long delivered0 = delivered.get();
            window.run();
            long t0 = System.nanoTime();
            measuring = true;
            pause(measure, sender, reader);
            measuring = false;
            long t1 = System.nanoTime();
            window.run();
            long sent1 = sent.get();
            long delivered1 = delivered.get();
            stopping = true;
            sender.join();
            long expected = sent.get() * (members.length - 1 - cut());
            long lastSeen = -1;
            long lastProgress = System.nanoTime();
            long drainEnd = lastProgress + TimeUnit.MILLISECONDS.toNanos(DRAIN_MAX_MILLIS);
            while (delivered.get() < expected && failure == null && System.nanoTime() < drainEnd
                    && System.nanoTime() - lastProgress < TimeUnit.MILLISECONDS.toNanos(DRAIN_STALL_MILLIS)) {
                long seen = delivered.get();
                if (seen != lastSeen) {
                    lastSeen = seen;
                    lastProgress = System.nanoTime();
                }
                Thread.sleep(5);
            }
            reader.interrupt();
            selector.wakeup();
            reader.join();
            failed();
            LatencyHistogram all = new LatencyHistogram();
            all.add(local);
            all.add(remote);
            long deliveredToKept = 0;
            for (int i = 1; i < readers.length; i++) {
                deliveredToKept += readers[i].cut ? 0 : readers[i].lines;
            }
            return new Result((t1 - t0) / 1e9, sent1 - sent0, delivered1 - delivered0,
                    sent.get() * (members.length - 1 - cut()) - deliveredToKept, cut(), local, remote, all);
        } finally {
            stopping = true;
            reader.interrupt();
            selector.wakeup();
            sender.join(5_000);
            reader.join(5_000);
        }
    }

    /** Members a node cut off; read by the main thread after the reader has stopped. */
    private int cut() {
        int cut = 0;
        for (int i = 1; i < readers.length; i++) {
            cut += readers[i].cut ? 1 : 0;
        }
        return cut;
    }

    private void pause(Duration d, Thread sender, Thread reader) throws IOException, InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            failed();
            if (!sender.isAlive() || !reader.isAlive()) {
                throw new IOException("a load thread ended early");
            }
            Thread.sleep(Math.max(1, Math.min(50, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    private void failed() throws IOException {
        Throwable f = failure;
        if (f != null) {
            throw new IOException("room load failed: " + f, f);
        }
    }

    private void send(int rate) {
        ByteBuffer out = ByteBuffer.allocateDirect(MAX_BURST * lineBytes);
        for (int i = 0; i < MAX_BURST; i++) {
            int at = i * lineBytes;
            for (int j = STAMP; j < lineBytes - 1; j++) {
                out.put(at + j, j == STAMP ? (byte) ' ' : (byte) ('a' + j % 26));
            }
            out.put(at + lineBytes - 1, (byte) '\n');
        }
        long period = rate > 0 ? 1_000_000_000L / rate : 0;
        long start = System.nanoTime();
        long count = 0;
        try {
            while (!stopping) {
                long now = System.nanoTime();
                long n;
                if (rate > 0) {
                    n = (now - start) / period + 1 - count;
                    if (n <= 0) {
                        // Until the next line is due: waking more often would cost the CPU
                        // that the nodes and the reader share with this thread.
                        LockSupport.parkNanos(start + count * period - now);
                        continue;
                    }
                } else {
                    n = MAX_BURST;
                }
                int burst = (int) Math.min(n, MAX_BURST);
                out.clear();
                for (int i = 0; i < burst; i++) {
                    stamp(out, i * lineBytes, now);
                }
                out.limit(burst * lineBytes);
                while (out.hasRemaining()) {
                    members[0].write(out);
                }
                count += burst;
                sent.lazySet(count);
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
    }

    private static void stamp(ByteBuffer out, int at, long nanos) {
        for (int i = STAMP - 1; i >= 0; i--) {
            int digit = (int) (nanos & 0xF);
            out.put(at + i, (byte) (digit < 10 ? '0' + digit : 'a' + digit - 10));
            nanos >>>= 4;
        }
    }

    private void read() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                selector.select(this::ready, 100);
            }
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    private void ready(SelectionKey key) {
        Member m = (Member) key.attachment();
        int n;
        try {
            in.clear();
            n = ((SocketChannel) key.channel()).read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n < 0) {
            // The node cut a member that fell behind (its outbound bound): the chat's promise
            // to the others, not a failure of the run. The member stops counting.
            m.cut = true;
            key.cancel();
            return;
        }
        long now = System.nanoTime();
        boolean record = measuring;
        LatencyHistogram histogram = m.remote ? remote : local;
        int offset = m.offset;
        long stamp = m.stamp;
        long lines = 0;
        int i = 0;
        while (i < n) {
            while (offset < STAMP && i < n) {
                int b = in.get(i++);
                stamp = stamp << 4 | ((b & 0xF) + 9 * (b >>> 6));
                offset++;
            }
            if (offset < STAMP) {
                break;
            }
            int lf = i + lineBytes - 1 - offset;
            if (lf < n) {
                if (in.get(lf) != '\n') {
                    throw new IllegalStateException("a member received a line that is not " + lineBytes + " bytes long");
                }
                if (record) {
                    histogram.record(now - stamp);
                }
                lines++;
                stamp = 0;
                offset = 0;
                i = lf + 1;
            } else {
                offset += n - i;
                i = n;
            }
        }
        m.offset = offset;
        m.stamp = stamp;
        m.lines += lines;
        if (lines > 0) {
            delivered.getAndAdd(lines);
        }
    }

    /** Closes every member and the selector. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SocketChannel member : members) {
            if (member != null) {
                try {
                    member.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        selector.close();
        if (first != null) {
            throw first;
        }
    }
}
