package dev.ranch.core.listener;

import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.EventLoopGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's lag: how long the loop's latest probe task waited between being queued and
 * running, or how long the probe still in the queue has waited when that is longer (a blocked
 * loop shows its lag before it returns). Probed every {@code Ranch.Builder.loopLagInterval}.
 *
 * @param loop the loop thread's name, e.g. {@code ranch-loop-0}
 * @param lag the delay; {@code null} before the first probe ran or when probing is off
 */
public record LoopLag(String loop, Duration lag) {

    /** The lags of every loop of {@code loops}, in index order. Any thread. */
    public static List<LoopLag> of(EventLoopGroup loops) {
        List<LoopLag> lags = new ArrayList<>(loops.size());
        for (EventLoop loop : loops.loops()) {
            long nanos = loop.lagNanos();
            lags.add(new LoopLag(loop.name(), nanos < 0 ? null : Duration.ofNanos(nanos)));
        }
        return lags;
    }
}
