package dev.ranch.bench;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.bench.SoakSessions.Kind;
import dev.ranch.bench.server.LoopbackCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The soak: mixed load against one {@link SoakServer} in a child JVM for
 * {@code -Dsoak.duration} (default {@code PT10M}): HTTP keep-alive and {@code Connection:
 * close} requests, WebSocket echo, TCP chat rooms and HTTPS, from {@code -Dsoak.clients}
 * client threads (default 5), each cycling through the kinds of session. Every
 * {@code -Dsoak.interval} (default {@code PT10S}) it samples the server: heap used after full
 * collections, open descriptors, open connections and live threads. Runs only under
 * {@code -Psoak}:
 *
 * <pre>mvn -B -Psoak -pl benchmarks -am verify -Dautobahn.skip -Dsoak.duration=PT10M</pre>
 *
 * <p>Samples go to {@code target/soak/samples.csv}; the trends are printed. It passes when,
 * over the samples after the warm-up ({@code -Dsoak.warmup}, default a tenth of the run, at
 * least one interval: JIT, class loading and caches filling), each trend is flat:
 * <ul>
 *   <li>heap: least-squares slope at most {@value #HEAP_SLOPE_MIB_PER_MINUTE} MiB/min, or a
 *       fitted growth over the whole window of at most {@value #HEAP_NOISE_MIB} MiB (samples
 *       are taken under load, so the buffers of requests in flight are live at the collection;
 *       a short run cannot tell a slope below that from noise);
 *   <li>descriptors not held by a connection (descriptors minus open connections: each
 *       connection holds exactly one): fitted growth at most {@value #DESCRIPTOR_NOISE} over
 *       the window, which is the race between listing descriptors and counting connections
 *       while connections open and close;
 *   <li>threads: fitted growth at most {@value #THREAD_NOISE} over the window.
 * </ul>
 * And once the load has stopped and every connection is closed, the server holds at most
 * {@value #DESCRIPTOR_NOISE} descriptors more than at the idle baseline taken before the load,
 * and at most one thread per processor more (ranch's shared TLS task threads linger 30 s idle).
 */
@Tag("soak")
class SoakTest {

    static final double HEAP_SLOPE_MIB_PER_MINUTE = 1.0;
    static final double HEAP_NOISE_MIB = 2.0;
    static final double DESCRIPTOR_NOISE = 2.0;
    static final double THREAD_NOISE = 1.0;

    private static final Duration DURATION = Duration.parse(System.getProperty("soak.duration", "PT10M"));
    private static final Duration INTERVAL = Duration.parse(System.getProperty("soak.interval", "PT10S"));
    private static final Duration WARM_UP = Duration.parse(System.getProperty("soak.warmup",
            max(INTERVAL, DURATION.dividedBy(10)).toString()));
    private static final int CLIENTS = Integer.getInteger("soak.clients", 5);
    private static final Path OUTPUT = Path.of("target", "soak");

    @Test
    void heapDescriptorsAndThreadsStayFlatUnderMixedLoad() throws Exception {
        try (ChildServer server = new ChildServer(SoakServer.class, "256m")) {
            String[] ports = server.ask("ports").split(" ");
            SSLContext tls = LoopbackCertificate.clientTrusting(Base64.getDecoder().decode(server.ask("certificate")));
            SoakSessions sessions = new SoakSessions(Integer.parseInt(ports[0]), Integer.parseInt(ports[1]),
                    Integer.parseInt(ports[2]), tls);
            // One session of each kind first, so that class loading, the first TLS handshake and
            // the files the JDK opens once are behind the idle baseline.
            for (Kind kind : Kind.values()) {
                sessions.run(kind);
            }
            Sample baseline = idle(server, 0);

            List<Sample> samples = new ArrayList<>();
            long start = System.nanoTime();
            SoakLoad load = SoakLoad.start(sessions, CLIENTS);
            try {
                for (long tick = 0; tick <= DURATION.toNanos(); tick += INTERVAL.toNanos()) {
                    // A clock: the next sample is due at a fixed time, whatever happens meanwhile.
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, start + tick - System.nanoTime()));
                    load.assertHealthy();
                    samples.add(Sample.of(server, (System.nanoTime() - start) / 1e9, load.exchanges()));
                    System.out.println("soak " + samples.get(samples.size() - 1));
                }
            } finally {
                load.stop();
            }
            load.assertHealthy();
            Sample end = idle(server, (System.nanoTime() - start) / 1e9);

            Report report = new Report(baseline, samples, end, load);
            report.write(OUTPUT);
            System.out.println(report);
            report.assertFlat();
        }
    }

    /** A sample once every connection has closed. */
    private static Sample idle(ChildServer server, double seconds) {
        await("every soak connection closed").atMost(PATIENCE)
                .until(() -> Sample.of(server, seconds, 0).connections() == 0);
        return Sample.of(server, seconds, 0);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** One observation of the server. */
    record Sample(double seconds, long heapBytes, int descriptors, int connections, int threads, long exchanges) {

        static Sample of(ChildServer server, double seconds, long exchanges) {
            try {
                String[] f = server.ask("sample").split(" ");
                return new Sample(seconds, Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), exchanges);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        double heapMib() {
            return heapBytes / (1024.0 * 1024.0);
        }

        /** Descriptors that are not a connection's own socket. */
        int descriptorsBesideConnections() {
            return descriptors - connections;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "t=%.0fs heap=%.2fMiB fds=%d connections=%d threads=%d exchanges=%d",
                    seconds, heapMib(), descriptors, connections, threads, exchanges);
        }
    }

    /** The trends of a run, and its verdict. */
    record Report(Sample baseline, List<Sample> samples, Sample end, SoakLoad load) {

        List<Sample> window() {
            return samples.stream().filter(s -> s.seconds() >= WARM_UP.toSeconds()).toList();
        }

        double minutes() {
            List<Sample> w = window();
            return (w.get(w.size() - 1).seconds() - w.get(0).seconds()) / 60;
        }

        double heapSlope() {
            return Trend.slopePerMinute(window(), Sample::heapMib);
        }

        double descriptorSlope() {
            return Trend.slopePerMinute(window(), s -> s.descriptorsBesideConnections());
        }

        double threadSlope() {
            return Trend.slopePerMinute(window(), s -> s.threads());
        }

        void assertFlat() {
            assertTrue(window().size() >= 3, "at least three samples after the warm-up; run longer: " + window().size());
            assertAll(
                    () -> assertTrue(heapSlope() <= HEAP_SLOPE_MIB_PER_MINUTE || heapSlope() * minutes() <= HEAP_NOISE_MIB,
                            "heap grows: " + this),
                    () -> assertTrue(descriptorSlope() * minutes() <= DESCRIPTOR_NOISE, "descriptors grow: " + this),
                    () -> assertTrue(threadSlope() * minutes() <= THREAD_NOISE, "threads grow: " + this),
                    () -> assertEquals(0, end.connections()),
                    () -> assertTrue(end.descriptors() - baseline.descriptors() <= DESCRIPTOR_NOISE,
                            "descriptors left after the load: " + this),
                    () -> assertTrue(end.threads() - baseline.threads() <= Runtime.getRuntime().availableProcessors(),
                            "threads left after the load: " + this));
        }

        void write(Path directory) throws IOException {
            Files.createDirectories(directory);
            StringBuilder csv = new StringBuilder("seconds,heap_bytes,fds,connections,threads,exchanges\n");
            for (Sample s : samples) {
                csv.append(String.format(Locale.ROOT, "%.1f,%d,%d,%d,%d,%d%n", s.seconds(), s.heapBytes(),
                        s.descriptors(), s.connections(), s.threads(), s.exchanges()));
            }
            Files.writeString(directory.resolve("samples.csv"), csv);
            Files.writeString(directory.resolve("summary.txt"), toString() + "\n");
        }

        @Override
        public String toString() {
            List<Sample> w = window();
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "soak: %s with %d clients, %d samples every %s, %d after the %s warm-up (%.1f min window)%n",
                    DURATION, CLIENTS, samples.size(), INTERVAL, w.size(), WARM_UP, minutes()));
            text.append(String.format(Locale.ROOT, "  heap after GC: slope %+.3f MiB/min, min %.2f, max %.2f MiB%n",
                    heapSlope(), w.stream().mapToDouble(Sample::heapMib).min().orElse(0),
                    w.stream().mapToDouble(Sample::heapMib).max().orElse(0)));
            text.append(String.format(Locale.ROOT,
                    "  fds beside connections: slope %+.3f /min, min %d, max %d; fds min %d, max %d%n",
                    descriptorSlope(), w.stream().mapToInt(Sample::descriptorsBesideConnections).min().orElse(0),
                    w.stream().mapToInt(Sample::descriptorsBesideConnections).max().orElse(0),
                    w.stream().mapToInt(Sample::descriptors).min().orElse(0),
                    w.stream().mapToInt(Sample::descriptors).max().orElse(0)));
            text.append(String.format(Locale.ROOT, "  threads: slope %+.3f /min, min %d, max %d%n", threadSlope(),
                    w.stream().mapToInt(Sample::threads).min().orElse(0),
                    w.stream().mapToInt(Sample::threads).max().orElse(0)));
            text.append("  idle before: ").append(baseline).append('\n');
            text.append("  idle after:  ").append(end).append('\n');
            Map<Kind, long[]> counts = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                counts.put(kind, new long[] {load.sessions(kind), load.exchanges(kind)});
            }
            counts.forEach((kind, c) -> text.append(String.format(Locale.ROOT, "  %-15s %8d sessions %9d exchanges%n",
                    kind, c[0], c[1])));
            return text.toString();
        }
    }
}
