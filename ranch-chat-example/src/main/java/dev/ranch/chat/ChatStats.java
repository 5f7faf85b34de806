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
 * @param remoteLinesDropped lines from other nodes of a cluster not handed to this node's
 *     members because too many were still on their way to them ({@code RoomRelay.BUDGET})
 */
public record ChatStats(long readPauses, int peakLinesInFlight, long slowConsumersDisconnected,
        long remoteLinesDropped) {

    /** The live counters behind the snapshots. Any thread. */
    static final class Counters {
        private final LongAdder readPauses = new LongAdder();
        private final AtomicInteger peakInFlight = new AtomicInteger();
        private final LongAdder slowConsumers = new LongAdder();
        private final LongAdder remoteDropped = new LongAdder();

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

        void remoteDropped(int lines) {
            remoteDropped.add(lines);
        }

        ChatStats snapshot() {
            return new ChatStats(readPauses.sum(), peakInFlight.get(), slowConsumers.sum(), remoteDropped.sum());
        }
    }
}
