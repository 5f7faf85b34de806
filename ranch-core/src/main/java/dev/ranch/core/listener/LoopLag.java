package dev.ranch.core.listener;

import java.time.Duration;

/**
 * One event loop's lag: how long the loop's latest probe task waited between being queued and
 * running, or how long the probe still in the queue has waited when that is longer (a blocked
 * loop shows its lag before it returns). Probed every {@code Ranch.Builder.loopLagInterval}.
 *
 * @param loop the loop thread's name, e.g. {@code ranch-loop-0}
 * @param lag the delay; {@code null} before the first probe ran or when probing is off
 */
public record LoopLag(String loop, Duration lag) {}
