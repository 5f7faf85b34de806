package dev.ranch.chat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A snapshot of a chat server's flow-control counters, from {@link ChatServer#stats()}.
 * Immutable.
 *
 * @param readPauses times a sender's reads were paused because too many of its lines were in flight
 * @param peakLinesInFlight the most lines one sender ever had in flight; never above
 *     {@link ChatConfig#maxLinesInFlight()}
 * @param slowConsumersDisconnected members cut off with {@code ERR too slow}
 */
public record ChatStats(long readPauses, int peakLinesInFlight, long slowConsumersDisconnected) {

    /** The live counters behind the snapshots. Any thread. */
    static final class Counters {
        private final LongAdder readPauses = new LongAdder();
        private final AtomicInteger peakInFlight = new AtomicInteger();
        private final LongAdder slowConsumers = new LongAdder();

        void readPaused() {
            readPauses.increment();
        }

        void peakInFlight(int inFlight) {
            int peak;
            while (inFlight > (peak = peakInFlight.get())) {
                if (peakInFlight.compareAndSet(peak, inFlight)) {
                    return;
                }
            }
        }

        void slowConsumer() {
            slowConsumers.increment();
        }

        ChatStats snapshot() {
            return new ChatStats(readPauses.sum(), peakInFlight.get(), slowConsumers.sum());
        }
    }
}
