package dev.ranch.core.internal.loop;

import java.util.Arrays;

/**
 * The timers of one event loop: a binary min-heap ordered by deadline, in which every entry
 * remembers its slot so that cancelling is O(log n) and leaves no garbage behind. Used by
 * the loop thread only, so it has no synchronisation.
 *
 * <p>Entries are reusable: a connection's idle timer is one entry scheduled again and again,
 * so steady traffic allocates nothing here.
 */
public final class TimerQueue {

    /** A timer; subclasses say what happens at the deadline. */
    public abstract static class Entry {
        private long deadline;
        private long sequence;
        private int slot = -1;

        /** Whether the entry is waiting in a queue. */
        public final boolean isScheduled() {
            return slot >= 0;
        }

        /** The deadline in {@link System#nanoTime()} units; meaningful while scheduled. */
        public final long deadline() {
            return deadline;
        }

        /** Runs on the loop thread when the deadline has passed; the entry is unscheduled. */
        protected abstract void expire();
    }

    private Entry[] heap = new Entry[64];
    private int size;
    private long nextSequence;

    /** Schedules {@code entry} at {@code deadline} (nanoTime), moving it if already scheduled. */
    public void schedule(Entry entry, long deadline) {
        if (entry.isScheduled()) {
            cancel(entry);
        }
        entry.deadline = deadline;
        entry.sequence = nextSequence++;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        entry.slot = size;
        heap[size++] = entry;
        siftUp(entry.slot);
    }

    /** Removes {@code entry} if scheduled; a no-op otherwise. */
    public void cancel(Entry entry) {
        int slot = entry.slot;
        if (slot < 0) {
            return;
        }
        entry.slot = -1;
        Entry last = heap[--size];
        heap[size] = null;
        if (slot < size) {
            heap[slot] = last;
            last.slot = slot;
            siftDown(slot);
            siftUp(last.slot);
        }
    }

    /** Nanoseconds until the earliest deadline (0 if already due), or -1 when empty. */
    public long nanosUntilNext(long now) {
        return size == 0 ? -1 : Math.max(0, heap[0].deadline - now);
    }

    /**
     * Expires every entry whose deadline is at or before {@code now}, earliest first. Entries
     * scheduled by an {@code expire()} during this call wait for the next call, so a timer
     * that re-arms itself with no delay cannot keep the loop here forever.
     */
    public void expireDue(long now) {
        long scheduledBefore = nextSequence;
        while (size > 0 && heap[0].deadline - now <= 0 && heap[0].sequence - scheduledBefore < 0) {
            Entry e = heap[0];
            cancel(e);
            e.expire();
        }
    }

    /** The number of scheduled entries. */
    public int size() {
        return size;
    }

    private void siftUp(int i) {
        Entry e = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Entry p = heap[parent];
            if (p.deadline - e.deadline <= 0) {
                break;
            }
            heap[i] = p;
            p.slot = i;
            i = parent;
        }
        heap[i] = e;
        e.slot = i;
    }

    private void siftDown(int i) {
        Entry e = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].deadline - heap[child].deadline < 0) {
                child = right;
            }
            if (e.deadline - heap[child].deadline <= 0) {
                break;
            }
            heap[i] = heap[child];
            heap[i].slot = i;
            i = child;
        }
        heap[i] = e;
        e.slot = i;
    }
}
