package dev.ranch.http.internal.h2;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The streams of one connection by id, with what RFC 9113 §5.1 needs to place an id that is
 * not in the table: above the highest the client used, it is idle; at or below, closed. The
 * last 128 closed ids are remembered, with whether the server reset them, to tell "closed"
 * (STREAM_CLOSED, or ignored after our RST_STREAM) from "never used, so implicitly closed"
 * (PROTOCOL_ERROR, §5.1.1).
 *
 * <p>Loop thread.
 */
final class StreamTable {

    private static final int RECENT = 128;

    private final Map<Integer, Stream> open = new HashMap<>();
    private int lastClientStreamId;
    /** Ids of recently closed streams, positive, or negative when the server reset them. */
    private final int[] recent = new int[RECENT];
    private int recentNext;

    Stream get(int id) {
        return open.get(id);
    }

    int size() {
        return open.size();
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    Collection<Stream> all() {
        return open.values();
    }

    /** The highest stream id the client has used. */
    int lastClientStreamId() {
        return lastClientStreamId;
    }

    /** Whether {@code id} is above every id the client used (§5.1: idle). */
    boolean isIdle(int id) {
        return id > lastClientStreamId;
    }

    /** The client used {@code id} for a new stream, whatever becomes of it. */
    void used(int id) {
        lastClientStreamId = id;
    }

    void add(Stream s) {
        open.put(s.id, s);
    }

    /** Takes {@code s} out of the table; false if it was not there. */
    boolean remove(Stream s, boolean byUs) {
        if (open.remove(s.id) != s) {
            return false;
        }
        remember(s.id, byUs);
        return true;
    }

    /** A stream the server reset before it got into the table. */
    void refused(int id) {
        remember(id, true);
    }

    /** Empties the table, returning what it held. */
    List<Stream> clear() {
        List<Stream> all = new ArrayList<>(open.values());
        open.clear();
        return all;
    }

    private void remember(int id, boolean byUs) {
        recent[recentNext] = byUs ? -id : id;
        recentNext = (recentNext + 1) % RECENT;
    }

    /** Whether the server reset {@code id} lately: frames for it are ignored (§5.1). */
    boolean resetByUs(int id) {
        for (int r : recent) {
            if (r == -id) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code id} was a stream that closed lately, either way. */
    boolean recentlyClosed(int id) {
        for (int r : recent) {
            if (r == id || r == -id) {
                return true;
            }
        }
        return false;
    }
}
