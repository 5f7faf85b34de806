package dev.ranch.chat;

import dev.ranch.core.listener.Listener;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.Response;
import dev.ranch.micrometer.ListenerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.ForkJoinPool;

/**
 * The chat's meters in Prometheus text at {@code GET /metrics} on the HTTP port: both
 * listeners' {@link ListenerMetrics} (connections, bytes, accept-queue depth, event-loop lag,
 * ...) and the chat's own: {@code chat.rooms} and {@code chat.members} (rooms with a member on
 * this node, and their members), {@code chat.read.pauses} and {@code chat.slow.consumers}
 * (members cut off with {@code ERR too slow}). Thread-safe.
 */
final class ChatMetrics {

    /** The Prometheus text exposition format the registry writes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    ChatMetrics(ChatRooms rooms) {
        Gauge.builder("chat.rooms", rooms, r -> r.registry().keys().size())
                .description("rooms with at least one member on this node").register(registry);
        Gauge.builder("chat.members", rooms, ChatMetrics::members)
                .description("members of all rooms on this node").register(registry);
        FunctionCounter.builder("chat.read.pauses", rooms, r -> r.counters().snapshot().readPauses())
                .description("times a sender's reads paused for its lines in flight").register(registry);
        FunctionCounter.builder("chat.slow.consumers", rooms, r -> r.counters().snapshot().slowConsumersDisconnected())
                .description("members cut off for reading too slowly").register(registry);
    }

    /** Adds {@code listener}'s meters, tagged with its name. */
    void bind(Listener listener) {
        new ListenerMetrics(listener).bindTo(registry);
    }

    /**
     * Answers with a scrape. The scrape sums every live connection's byte counters and reads
     * {@code /proc}, so it runs on the common pool rather than the event loop.
     */
    HttpHandler handler() {
        return (request, response) -> {
            Response later = response.async();
            ForkJoinPool.commonPool().execute(() -> later.header("Content-Type", CONTENT_TYPE).send(registry.scrape()));
        };
    }

    private static double members(ChatRooms rooms) {
        long total = 0;
        for (String room : rooms.registry().keys()) {
            total += rooms.registry().count(room);
        }
        return total;
    }
}
