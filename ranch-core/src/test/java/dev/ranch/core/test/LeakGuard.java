package dev.ranch.core.test;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;

/**
 * Fails a test class that leaves behind ranch threads or open file descriptors it did not
 * find when it started: a ranch, listener, connection, client socket or child process that a
 * test forgot to close, or a close in the library that does not release what it should.
 *
 * <p>Registered for every test class of every module by JUnit's extension auto-detection: each
 * module's test resources hold {@code META-INF/services/org.junit.jupiter.api.extension.Extension}
 * naming this class (kept out of ranch-core's test-jar, so a module reads only its own), and
 * auto-detection is switched on ({@code junit.jupiter.extensions.autodetection.enabled=true})
 * by the root pom's surefire configuration and, for IDEs, each module's
 * {@code junit-platform.properties} except ranch-core's (see the root pom for why).
 *
 * <p>Before the class's {@code @BeforeAll} methods it notes the live threads whose name starts
 * with {@value #RANCH_THREADS} (event loops {@code ranch-loop-<i>}, acceptors
 * {@code ranch-<listener>-acceptor-<i>}, stoppers {@code ranch-stop-<listener>}) and the open
 * descriptors as {@link ProcessResources#openFileDescriptorsByNumber()} lists them. After its
 * {@code @AfterAll} methods it waits up to {@link #GRACE} for the class's own threads and
 * descriptors to go, since loops exit and channels close asynchronously, then fails naming
 * each thread left (with where it is) and each descriptor left (number, target, and for a TCP
 * socket its addresses and state).
 *
 * <p>Left out: {@value #SHARED_TLS_TASKS} threads. They are the JVM-wide default executor of
 * TLS delegated tasks ({@code TlsOptions}), shared by every ranch, at most one per processor,
 * and they end by themselves after 30 s idle: not owned by any ranch a test could close.
 *
 * <p>Test classes run one after another in a module's JVM (no parallel execution is
 * configured), so whatever appears between the two snapshots belongs to the class.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {

    /** How long the guard waits for threads to exit and descriptors to close before failing. */
    public static final Duration GRACE = Duration.ofSeconds(10);

    /** The prefix of every thread ranch-core starts. */
    static final String RANCH_THREADS = "ranch-";
    /** The prefix of the shared TLS delegated-task threads, which are not a ranch's own. */
    static final String SHARED_TLS_TASKS = "ranch-tls-task-";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakGuard.class);

    static {
        jdkLifetimeDescriptors();
    }

    /** Made by JUnit's auto-detection (ServiceLoader). */
    public LeakGuard() {}

    /**
     * Makes the JDK open, before the first snapshot, the descriptors it opens once on first use
     * and keeps until the JVM exits, so they are in every baseline instead of counting against
     * whichever class happens to run first: the first NIO channel makes the dispatcher's
     * "pre-close" descriptor (one end of a Unix socketpair whose other end is closed at once;
     * closing a channel dup2s it over the channel's descriptor so a blocked thread wakes); and
     * the first {@code System.inheritedChannel()} opens {@code /dev/null}, kept to put over
     * descriptor 0 once an inherited channel is closed.
     */
    private static void jdkLifetimeDescriptors() {
        try {
            ServerSocketChannel.open().close();
            System.inheritedChannel();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a socket channel at all", e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put(Snapshot.class, Snapshot.take());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Snapshot before = context.getStore(NAMESPACE).remove(Snapshot.class, Snapshot.class);
        if (before == null) {
            return;
        }
        try {
            await("threads and descriptors of " + context.getDisplayName() + " released")
                    .atMost(GRACE)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> before.leaksSince().isEmpty());
        } catch (ConditionTimeoutException e) {
            Leaks leaks = before.leaksSince();
            if (!leaks.isEmpty()) {
                throw new AssertionError(context.getRequiredTestClass().getName() + " leaked, still there after "
                        + GRACE.toSeconds() + " s:\n" + leaks.describe());
            }
        }
    }

    /** The ranch threads and descriptors alive at one moment. */
    record Snapshot(Set<Thread> threads, Map<Integer, String> descriptors) {

        static Snapshot take() {
            return new Snapshot(ranchThreads(),
                    ProcessResources.fileDescriptorsVisible() ? ProcessResources.openFileDescriptorsByNumber() : Map.of());
        }

        /** What is alive now and was not in this snapshot. */
        Leaks leaksSince() {
            Set<Thread> newThreads = new HashSet<>(ranchThreads());
            newThreads.removeAll(threads);
            Map<Integer, String> newDescriptors = new TreeMap<>();
            if (ProcessResources.fileDescriptorsVisible()) {
                // A descriptor number reused for another target is a new descriptor.
                ProcessResources.openFileDescriptorsByNumber().forEach((fd, target) -> {
                    if (!target.equals(descriptors.get(fd))) {
                        newDescriptors.put(fd, target);
                    }
                });
            }
            return new Leaks(newThreads, newDescriptors);
        }

        private static Set<Thread> ranchThreads() {
            Set<Thread> threads = new HashSet<>(ProcessResources.liveThreadsNamed(RANCH_THREADS));
            threads.removeIf(t -> t.getName().startsWith(SHARED_TLS_TASKS));
            return threads;
        }
    }

    /** Threads and descriptors that outlived a class. */
    record Leaks(Set<Thread> threads, Map<Integer, String> descriptors) {

        boolean isEmpty() {
            return threads.isEmpty() && descriptors.isEmpty();
        }

        String describe() {
            StringBuilder text = new StringBuilder();
            if (!threads.isEmpty()) {
                text.append(threads.size()).append(" ranch thread(s):\n");
                threads.stream().sorted((a, b) -> a.getName().compareTo(b.getName())).forEach(t -> {
                    StackTraceElement[] stack = t.getStackTrace();
                    text.append("  ").append(t.getName()).append(" (").append(t.getState()).append(")");
                    for (int i = 0; i < Math.min(stack.length, 6); i++) {
                        text.append("\n      at ").append(stack[i]);
                    }
                    text.append('\n');
                });
            }
            if (!descriptors.isEmpty()) {
                Map<String, String> sockets = TcpSocketTable.read();
                text.append(descriptors.size()).append(" file descriptor(s):\n");
                descriptors.forEach((fd, target) -> {
                    text.append("  fd ").append(fd).append(" -> ").append(target);
                    if (target.startsWith("socket:")) {
                        text.append(" ").append(sockets.getOrDefault(target, "(not TCP with an address: Unix, or never bound)"));
                    }
                    text.append('\n');
                });
                List<String> httpClients = new ArrayList<>(ProcessResources.names(ProcessResources.liveThreadsNamed("HttpClient-")));
                httpClients.removeIf(name -> !name.endsWith("-SelectorManager"));
                if (!httpClients.isEmpty()) {
                    text.append("JDK HttpClient selectors still alive ").append(httpClients)
                            .append(": each holds an epoll and an eventfd until collected;"
                                    + " call JdkHttpClients.awaitCollected() after the last use\n");
                }
            }
            return text.toString();
        }
    }

    /**
     * The kernel's table of this process's TCP sockets, {@code socket:[inode]} to
     * {@code local -> remote STATE}, so a leaked socket says which listener or client it was.
     */
    private static final class TcpSocketTable {

        private static final String[] STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
            "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

        static Map<String, String> read() {
            Map<String, String> sockets = new HashMap<>();
            for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
                try {
                    List<String> lines = Files.readAllLines(Path.of(table));
                    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                        String[] f = line.trim().split("\\s+");
                        if (f.length > 9) {
                            int state = Integer.parseInt(f[3], 16);
                            sockets.put("socket:[" + f[9] + "]", "(tcp " + endpoint(f[1]) + " -> " + endpoint(f[2]) + " "
                                    + (state < STATES.length ? STATES[state] : f[3]) + ")");
                        }
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // Only a richer message is lost.
                }
            }
            return sockets;
        }

        /**
         * {@code 0100007F:1F90} as {@code 127.0.0.1:8080}: the address is 32-bit words in
         * host (little-endian) order; an IPv4-mapped IPv6 address shows as IPv4.
         */
        private static String endpoint(String hex) throws UnknownHostException {
            String[] parts = hex.split(":");
            byte[] address = new byte[parts[0].length() / 2];
            for (int word = 0; word < address.length / 4; word++) {
                for (int i = 0; i < 4; i++) {
                    int at = 2 * (4 * word + 3 - i);
                    address[4 * word + i] = (byte) Integer.parseInt(parts[0].substring(at, at + 2), 16);
                }
            }
            InetAddress host = InetAddress.getByAddress(address);
            String text = host.getHostAddress();
            return (host instanceof Inet6Address ? "[" + text + "]" : text) + ":" + Integer.parseInt(parts[1], 16);
        }
    }
}
