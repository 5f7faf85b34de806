package dev.ranch.core.test;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerInfo;
import dev.ranch.core.listener.ListenerState;
import dev.ranch.core.proxy.ProxyHeader;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stampede (after Ranch's test of that name), for a listener's test to run: clients
 * connect and reset, half-close, and abort in the middle of a PROXY header, of a TLS handshake
 * and of a request, at random and all at once, while the listener is suspended and resumed and its {@code maxConnections}
 * raised and lowered at random. Afterwards nothing is left: no live connection, the file
 * descriptors and ranch threads of before, and the listener serves. Throughout, the limit holds.
 *
 * <p><b>What "the limit holds" means here, exactly.</b> The test thread samples
 * {@code info().activeConnections()} (the connections started and not yet released, a subset
 * of the slots taken) every millisecond or so, and is the only thread that changes the
 * limit, so it knows which limits were in force when. Lowering the limit keeps the
 * connections there are, so a count above the newest limit is not by itself wrong; admitting
 * a <em>new</em> connection while the count is at or above the limit is. So a sample may
 * exceed neither the largest limit in force since {@link #GRACE} before the previous sample
 * nor the largest count sampled since then: the count only grows up to a limit. The window
 * is measured from the previous sample, not from now, so that a sampler kept off the CPU
 * still compares with the last count it saw. The grace covers the
 * acceptor's steps between taking a slot and entering the live set (socket options, the
 * count), which a loaded machine can stretch. Consequence: a limit change cannot be judged
 * by admissions within the grace of it, so the known race of {@code setMaxConnections}
 * (admissions that overlap the change itself, ConnectionSupervisor's javadoc) is outside
 * what this test can see; the jcstress tests prove that path. A sample is the lesser of two
 * back-to-back readings, as the live set's size is summed from striped counters and one
 * reading can be torn by a close and an accept that race it.
 *
 * <p>Run from the test thread; the clients run on a pool of their own, ended before it returns.
 */
public final class Stampede {

    private static final Duration GRACE = Duration.ofMillis(250);
    private static final int MAX_LIMIT = 32;
    private static final int CLIENT_THREADS = 24;
    /** How long a served client may keep its connection, so that the count presses on the limit. */
    private static final int HOLD_MILLIS = 400;

    /** What a stampeding client does. */
    public enum Action {
        /** Connects and closes with {@code SO_LINGER} 0: a reset, maybe before the accept. */
        RESET,
        /**
         * A whole exchange (PROXY header, handshake, request, answer), holds the connection for
         * up to {@link #HOLD_MILLIS}, then shuts its output and reads to the end.
         */
        HALF_CLOSE,
        /** Sends part of the PROXY header, then resets or closes. */
        ABORT_MID_PROXY,
        /** Sends the PROXY header and part or all of a ClientHello, then resets or closes. */
        ABORT_MID_TLS,
        /** Completes the handshake, sends part of a request, then resets. */
        ABORT_MID_REQUEST
    }

    private Stampede() {}

    /**
     * Runs a stampede of {@code length} against {@code listener}, which must take a PROXY
     * header and then TLS trusted by {@code clientTls}, and answer {@code request} with bytes
     * ending in {@code answerEnd}; prints the figures and asserts everything the class
     * comment says. Test thread.
     */
    public static void run(Listener listener, SSLContext clientTls, byte[] request, byte[] answerEnd,
                           Duration length) throws InterruptedException, IOException {
        listener.setMaxConnections(MAX_LIMIT / 2);
        Clients clients = new Clients(listener.port(), clientTls, request, answerEnd);
        // The listeners under test cut a handshake after 2 s, which the JVM's first TLS
        // handshake can take on a loaded machine (load 40 here); a later one is quicker.
        await("the listener serves before the stampede").atMost(PATIENCE).ignoreExceptions().until(clients::serves);
        List<String> fdsBefore = ProcessResources.openFileDescriptors();
        int ranchThreadsBefore = ranchThreads();

        ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
        long end = System.nanoTime() + length.toNanos();
        for (int i = 0; i < CLIENT_THREADS; i++) {
            pool.execute(() -> {
                while (System.nanoTime() < end) {
                    clients.act(Action.values()[ThreadLocalRandom.current().nextInt(Action.values().length)]);
                }
            });
        }
        Control control = new Control(listener);
        control.run(end);
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "the clients finish");

        long settling = System.nanoTime();
        listener.resume();
        listener.setMaxConnections(MAX_LIMIT);
        await("no connection is left").atMost(Duration.ofSeconds(30))
                .until(() -> listener.info().allConnections() == 0);
        ListenerInfo info = listener.info();
        assertEquals(0, info.activeConnections());
        await("the descriptors of before, and no more").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessResources.openFileDescriptors().size() <= fdsBefore.size());
        await("the ranch threads of before, and no more").atMost(Duration.ofSeconds(30))
                .until(() -> ranchThreads() <= ranchThreadsBefore);
        int fdsAfter = ProcessResources.openFileDescriptors().size();
        int threadsAfter = ranchThreads();
        await("the listener serves after the stampede").atMost(PATIENCE).ignoreExceptions().until(clients::serves);
        long settled = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - settling);

        System.out.printf("stampede of %s: %d s, %d client threads, limit changed %d times (1..%d), suspended %d times%n"
                        + "  actions: %s%n  outcomes: %s%n"
                        + "  samples %d (at most %d ms apart), most connections seen %d, largest limit %d, most above the newest limit"
                        + " after a lowering %d%n"
                        + "  listener: accepted %d, handshake failures %d, crashes %d%n"
                        + "  descriptors before %d after %d, ranch threads before %d after %d (settled %d ms after the"
                        + " clients ended)%n",
                listener.name(), length.toSeconds(), CLIENT_THREADS, control.limitChanges, MAX_LIMIT, control.suspensions,
                clients.counts(), clients.outcomes(), control.samples,
                TimeUnit.NANOSECONDS.toMillis(control.longestGapNanos), control.mostSeen, MAX_LIMIT,
                control.mostAboveNewest, info.totalAccepted(), info.handshakeFailures(), info.crashes(),
                fdsBefore.size(), fdsAfter, ranchThreadsBefore, threadsAfter, settled);

        assertEquals(List.of(), control.violations, "no connection admitted while the count was at the limit");
        for (Action action : Action.values()) {
            assertTrue(clients.count(action) > 0, "every action was tried: " + clients.counts());
        }
        assertTrue(clients.completedHalfCloses() > 0, "some exchanges completed: " + clients.outcomes());
        assertEquals(0, info.crashes(), "no protocol callback threw");
        assertTrue(control.limitChanges > 0 && control.suspensions > 0, "the listener was steered");
    }

    /**
     * Ranch's threads: loops and acceptors. The TLS task pool is left out: it is bounded by its
     * size and lets an idle thread go only after 30 s, which is its design, not a leak.
     */
    private static int ranchThreads() {
        Set<Thread> threads = ProcessResources.liveThreadsNamed("ranch-");
        threads.removeIf(t -> t.getName().startsWith("ranch-tls-task-"));
        return threads.size();
    }

    /**
     * The test thread's part: samples the count, checks it, and now and then changes the
     * limit or suspends or resumes the listener.
     */
    private static final class Control {
        private final Listener listener;
        /** Sampled counts and limits in force, for the grace window: {time, count} and {time, limit}. */
        private final ArrayList<long[]> recentCounts = new ArrayList<>();
        private final ArrayList<long[]> recentLimits = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        int limitChanges;
        int suspensions;
        long samples;
        int mostSeen;
        int mostAboveNewest;
        long longestGapNanos;
        private long previousSample = System.nanoTime();

        Control(Listener listener) {
            this.listener = listener;
        }

        void run(long end) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int limit = listener.info().maxConnections();
            recentLimits.add(new long[] {System.nanoTime(), limit});
            long nextChange = System.nanoTime();
            while (System.nanoTime() < end) {
                sample(limit);
                long now = System.nanoTime();
                if (now - nextChange >= 0) {
                    if (listener.state() == ListenerState.SUSPENDED) {
                        listener.resume();
                    } else if (random.nextInt(5) == 0) {
                        listener.suspend();
                        suspensions++;
                    } else {
                        limit = 1 + random.nextInt(MAX_LIMIT);
                        listener.setMaxConnections(limit);
                        limitChanges++;
                        recentLimits.add(new long[] {System.nanoTime(), limit});
                    }
                    // Suspensions are short (a client refused meanwhile comes back); other changes come every 20-320 ms.
                    int pause = listener.state() == ListenerState.SUSPENDED ? 20 + random.nextInt(80) : 20 + random.nextInt(300);
                    nextChange = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause);
                }
                // The sampling pace, not a wait for a condition.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        private void sample(int newest) {
            int count = Math.min(listener.info().activeConnections(), listener.info().activeConnections());
            long now = System.nanoTime();
            // The window opens a grace before the previous sample, not before now: a sampler
            // kept off the CPU for longer than the grace (a loaded machine) still compares with
            // the last count it saw and every limit in force since, which is what bounds the
            // count now. Measured from now, the window would hold no count at all then, and the
            // connections admitted under an earlier, higher limit would look like violations.
            long sampledBefore = previousSample;
            longestGapNanos = Math.max(longestGapNanos, now - sampledBefore);
            long horizon = sampledBefore - GRACE.toNanos();
            previousSample = now;
            // Keep the last limit that came into force before the window: it was in force during it.
            while (recentLimits.size() > 1 && recentLimits.get(1)[0] < horizon) {
                recentLimits.remove(0);
            }
            recentCounts.removeIf(entry -> entry[0] < horizon);
            long limitBound = recentLimits.stream().mapToLong(entry -> entry[1]).max().orElseThrow();
            long countBound = recentCounts.stream().mapToLong(entry -> entry[1]).max().orElse(0);
            if (count > Math.max(limitBound, countBound) && violations.size() < 20) {
                violations.add(count + " connections, while the limits in force since " + GRACE.toMillis()
                        + " ms before the previous sample (" + TimeUnit.NANOSECONDS.toMillis(now - sampledBefore)
                        + " ms ago) were at most " + limitBound + " and the count at most " + countBound);
            }
            recentCounts.add(new long[] {now, count});
            samples++;
            mostSeen = Math.max(mostSeen, count);
            mostAboveNewest = Math.max(mostAboveNewest, count - newest);
        }
    }

    /** The stampeding clients: each action on a socket of its own, every read bounded. */
    private static final class Clients {
        private static final int READ_TIMEOUT_MILLIS = 3000;

        private final InetSocketAddress server;
        private final SSLContext tls;
        private final byte[] proxyHeader;
        private final byte[] request;
        private final byte[] answerEnd;
        private final Map<Action, LongAdder> counts = new EnumMap<>(Action.class);
        private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        private final AtomicLong completedHalfCloses = new AtomicLong();

        Clients(int port, SSLContext tls, byte[] request, byte[] answerEnd) {
            this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            this.tls = tls;
            this.request = request;
            this.answerEnd = answerEnd;
            this.proxyHeader = bytes(ProxyHeader.v1().addresses(new InetSocketAddress("203.0.113.9", 40000),
                    new InetSocketAddress("198.51.100.1", 443)).encode());
            for (Action action : Action.values()) {
                counts.put(action, new LongAdder());
            }
        }

        /** A whole exchange on a fresh connection: whether the answer came. */
        boolean serves() throws IOException {
            try (Socket plain = connect()) {
                plain.getOutputStream().write(proxyHeader);
                SSLSocket secure = handshake(plain);
                secure.getOutputStream().write(request);
                return answered(secure.getInputStream());
            }
        }

        void act(Action action) {
            counts.get(action).increment();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try (Socket plain = connect()) {
                switch (action) {
                    case RESET -> reset(plain);
                    case HALF_CLOSE -> {
                        plain.getOutputStream().write(proxyHeader);
                        SSLSocket secure = handshake(plain);
                        secure.getOutputStream().write(request);
                        if (!answered(secure.getInputStream())) {
                            outcome("half-close: wrong answer");
                            return;
                        }
                        // Holding a connection is what a client does, not a wait for something.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(HOLD_MILLIS)));
                        // TLS 1.3 half-close: close_notify, then the server's answer to it and its end.
                        secure.shutdownOutput();
                        if (secure.getInputStream().read() < 0) {
                            completedHalfCloses.incrementAndGet();
                            outcome("half-close: served and closed");
                        } else {
                            outcome("half-close: data after the answer");
                        }
                    }
                    case ABORT_MID_PROXY -> {
                        plain.getOutputStream().write(proxyHeader, 0, 1 + random.nextInt(proxyHeader.length - 1));
                        endAbruptly(plain, random);
                    }
                    case ABORT_MID_TLS -> {
                        plain.getOutputStream().write(proxyHeader);
                        byte[] hello = clientHello();
                        boolean whole = random.nextBoolean();
                        plain.getOutputStream().write(hello, 0, whole ? hello.length : 1 + random.nextInt(hello.length - 1));
                        if (whole) {
                            plain.getInputStream().read();  // the server's first flight has begun
                        }
                        endAbruptly(plain, random);
                    }
                    case ABORT_MID_REQUEST -> {
                        plain.getOutputStream().write(proxyHeader);
                        SSLSocket secure = handshake(plain);
                        secure.getOutputStream().write(request, 0, 1 + random.nextInt(request.length - 1));
                        reset(plain);
                    }
                }
                outcome(action + ": done");
            } catch (ConnectException e) {
                outcome("refused (suspended)");
                // A refused client comes back a little later rather than spinning on the closed port.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            } catch (SocketTimeoutException e) {
                outcome(action + ": timed out (at the limit, or suspended)");
            } catch (IOException e) {
                outcome(action + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
            }
        }

        /** Reads until the answer's end has come; false if the stream ends first or 64 KiB come without it. */
        private boolean answered(InputStream in) throws IOException {
            byte[] seen = new byte[64 * 1024];
            int n = 0;
            while (n < seen.length) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                seen[n++] = (byte) b;
                if (n >= answerEnd.length
                        && Arrays.equals(seen, n - answerEnd.length, n, answerEnd, 0, answerEnd.length)) {
                    return true;
                }
            }
            return false;
        }

        private Socket connect() throws IOException {
            Socket socket = new Socket();
            try {
                socket.connect(server, READ_TIMEOUT_MILLIS);
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        private SSLSocket handshake(Socket plain) throws IOException {
            SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain,
                    server.getHostString(), server.getPort(), false);
            secure.setUseClientMode(true);
            secure.startHandshake();
            return secure;
        }

        /** The first flight of a fresh client engine: a ClientHello, with no socket. */
        private byte[] clientHello() throws IOException {
            SSLEngine engine = tls.createSSLEngine("localhost", server.getPort());
            engine.setUseClientMode(true);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            return bytes(out);
        }

        private static void endAbruptly(Socket plain, ThreadLocalRandom random) throws IOException {
            if (random.nextBoolean()) {
                reset(plain);
            } else {
                plain.close();
            }
        }

        private static void reset(Socket plain) throws IOException {
            plain.setSoLinger(true, 0);
            plain.close();
        }

        private void outcome(String what) {
            outcomes.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        long count(Action action) {
            return counts.get(action).sum();
        }

        long completedHalfCloses() {
            return completedHalfCloses.get();
        }

        String counts() {
            return counts.toString();
        }

        String outcomes() {
            return new java.util.TreeMap<>(outcomes).toString();
        }

        private static byte[] bytes(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
    }
}
