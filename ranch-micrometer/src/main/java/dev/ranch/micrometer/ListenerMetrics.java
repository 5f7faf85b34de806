package dev.ranch.micrometer;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.listener.LoopLag;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds one listener's meters to a {@link MeterRegistry}, every meter tagged
 * {@code listener=<name>} (plus the extra tags given):
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>{@code ranch.connections.active}</td><td>gauge</td><td>live connections, counted or not</td></tr>
 * <tr><td>{@code ranch.connections.limit}</td><td>gauge</td><td>{@code maxConnections}; NaN when unlimited</td></tr>
 * <tr><td>{@code ranch.connections.accepted}</td><td>counter</td><td>connections accepted and served since start</td></tr>
 * <tr><td>{@code ranch.connections.refused}</td><td>counter</td><td>clients refused at the limit</td></tr>
 * <tr><td>{@code ranch.handshake.failures}</td><td>counter</td><td>handshakes that failed or timed out</td></tr>
 * <tr><td>{@code ranch.crashes}</td><td>counter</td><td>protocol callbacks that threw</td></tr>
 * <tr><td>{@code ranch.received}, {@code ranch.sent}</td><td>counter, bytes</td><td>bytes read from and written for the peers</td></tr>
 * <tr><td>{@code ranch.accept.queue}</td><td>gauge, connections</td><td>the listen socket's accept-queue depth (Linux; NaN elsewhere)</td></tr>
 * <tr><td>{@code ranch.loop.lag}</td><td>time gauge, tag {@code loop}</td><td>each event loop's queued-to-run delay</td></tr>
 * </table>
 *
 * <p>Names follow Micrometer's conventions: dotted lower case, counters without a
 * {@code total} suffix and byte counters with a base unit, so the Prometheus registry writes
 * {@code ranch_connections_accepted_total}, {@code ranch_received_bytes_total},
 * {@code ranch_accept_queue_connections} and {@code ranch_loop_lag_seconds}. The meters read
 * the listener when the registry asks (a scrape), never on a loop; a stopped listener's
 * meters read NaN. {@code ranch.loop.lag} shows the loops of the listener's {@code Ranch},
 * which its other listeners share; probed every {@code Ranch.Builder.loopLagInterval}.
 *
 * <pre>{@code
 * new ListenerMetrics(listener).bindTo(registry);
 * }</pre>
 */
public final class ListenerMetrics implements MeterBinder {

    private final Listener listener;
    private final Tags tags;

    /** Meters for {@code listener}, tagged with its name. */
    public ListenerMetrics(Listener listener) {
        this(listener, Tags.empty());
    }

    /** Meters for {@code listener}, tagged with its name and {@code extraTags}. */
    public ListenerMetrics(Listener listener, Iterable<Tag> extraTags) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.tags = Tags.concat(extraTags, "listener", listener.name());
    }

    /** Registers the meters; the registry keeps them until removed. Any thread. */
    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "ranch.connections.active", "live connections, counted against the limit or not",
                BaseUnits.CONNECTIONS, l -> l.info().allConnections());
        gauge(registry, "ranch.connections.limit", "the connection limit; NaN when unlimited",
                BaseUnits.CONNECTIONS, ListenerMetrics::limit);
        counter(registry, "ranch.connections.accepted", "connections accepted and served",
                BaseUnits.CONNECTIONS, l -> l.info().totalAccepted());
        counter(registry, "ranch.connections.refused", "clients refused at the connection limit",
                BaseUnits.CONNECTIONS, l -> l.info().totalRefused());
        counter(registry, "ranch.handshake.failures", "handshakes that failed or timed out",
                null, l -> l.info().handshakeFailures());
        counter(registry, "ranch.crashes", "protocol callbacks that threw", null, l -> l.info().crashes());
        counter(registry, "ranch.received", "bytes read from the peers", BaseUnits.BYTES, Listener::bytesIn);
        counter(registry, "ranch.sent", "bytes written for the peers", BaseUnits.BYTES, Listener::bytesOut);
        gauge(registry, "ranch.accept.queue",
                "connections waiting in the listen socket's accept queue (Linux; NaN elsewhere)",
                BaseUnits.CONNECTIONS, ListenerMetrics::acceptQueue);
        for (LoopLag lag : listener.loopLags()) {
            String loop = lag.loop();
            TimeGauge.builder("ranch.loop.lag", listener, TimeUnit.NANOSECONDS, l -> lagNanos(l, loop))
                    .description("how long a task queued on the event loop waited to run")
                    .tags(tags).tag("loop", loop)
                    .register(registry);
        }
    }

    private void gauge(MeterRegistry registry, String name, String description, String unit,
                       ToDoubleFunction<Listener> value) {
        Gauge.builder(name, listener, value).description(description).baseUnit(unit).tags(tags).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, String unit,
                         ToDoubleFunction<Listener> value) {
        FunctionCounter.builder(name, listener, value).description(description).baseUnit(unit).tags(tags)
                .register(registry);
    }

    private static double limit(Listener listener) {
        int max = listener.info().maxConnections();
        return max == ListenerOptions.INFINITY ? Double.NaN : max;
    }

    private static double acceptQueue(Listener listener) {
        long depth = listener.acceptQueueDepth();
        return depth < 0 ? Double.NaN : depth;
    }

    private static double lagNanos(Listener listener, String loop) {
        for (LoopLag lag : listener.loopLags()) {
            if (lag.loop().equals(loop)) {
                Duration delay = lag.lag();
                return delay == null ? Double.NaN : delay.toNanos();
            }
        }
        return Double.NaN;
    }
}
