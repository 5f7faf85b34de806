package dev.ranch.chat;

import dev.ranch.core.registry.Registry;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands runs said on other nodes to this node's members: what the {@link RoomBus} calls for
 * each line that comes in. A run from elsewhere is fanned out exactly as a local sender's, to
 * the same inboxes, so each receiver's own bounds (its outbound queue, the server-wide queued
 * budget, the drain budget) hold for it unchanged; only its sender is far away and cannot be
 * paused. So the relay counts the bytes of remote runs still on their way to some member here,
 * and past {@link #BUDGET} drops new ones (counted in {@link ChatStats#remoteLinesDropped()})
 * until the members have caught up: memory stays bounded while this node's loops are saturated.
 * {@link #deliver} runs on one thread at a time (the bus's); the rest on any thread.
 */
final class RoomRelay implements RoomBus.LocalRooms, Broadcast.Origin {

    /**
     * Bytes of runs from other nodes that may be in flight on this node at once: each run
     * counts once, however many inboxes share it. 8 MiB is 512 full 16 KiB runs.
     */
    static final long BUDGET = 8L * 1024 * 1024;

    private final Registry<String> registry;
    private final ChatStats.Counters counters;
    private final AtomicLong inFlight = new AtomicLong();

    RoomRelay(Registry<String> registry, ChatStats.Counters counters) {
        this.registry = registry;
        this.counters = counters;
    }

    @Override
    public boolean deliver(String room, byte[] lines, int count) {
        if (registry.count(room) == 0) {
            return true;
        }
        // Only this thread raises the count, so the check cannot be raced past the budget.
        if (inFlight.get() + lines.length > BUDGET) {
            counters.remoteDropped(count);
            return false;
        }
        inFlight.addAndGet(lines.length);
        Broadcast run = new Broadcast(room, lines, count, this);
        ChatMember.offer(registry, run, null);
        run.release();
        return true;
    }

    @Override
    public void done(Broadcast run) {
        inFlight.addAndGet(-run.lines.length);
    }

    @Override
    public Map<String, Integer> memberCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (String room : registry.keys()) {
            int n = registry.count(room);
            if (n > 0) {
                counts.put(room, n);
            }
        }
        return counts;
    }

    /** Bytes of remote runs not yet taken by every receiver here. Any thread. */
    long inFlight() {
        return inFlight.get();
    }
}
