package dev.ranch.http.internal.h2;

import dev.ranch.http.Http2Options;

import static dev.ranch.http.internal.h2.ErrorCode.FLOW_CONTROL_ERROR;

/**
 * The windows the client sends DATA within (RFC 9113 §6.9), the receiving mirror of
 * {@link OutboundFlow}: the connection's, opened to {@link Http2Options#connectionWindowSize()}
 * with our preface, and each stream's ({@link Stream#recvWindow}). DATA is taken out of them as
 * it arrives; bytes are given back with WINDOW_UPDATE once half a window is owed, so a client
 * streaming a body never waits on us while we keep up, and is held back as soon as we do not.
 * One per connection. Owner thread (the connection's loop).
 */
final class InboundFlow {

    private final FrameWriter writer;
    private final Http2Options limits;
    /** What the client may still send on the connection (§6.9.2: 65,535 until we say more). */
    private int connectionWindow = 65_535;
    /** Bytes taken in on the connection but not yet given back to its window. */
    private int connectionUnacked;

    InboundFlow(FrameWriter writer, Http2Options limits) {
        this.writer = writer;
        this.limits = limits;
    }

    /** Opens the connection's window from the protocol's 65,535 to connectionWindowSize, with our preface. */
    void open() {
        int more = limits.connectionWindowSize() - 65_535;
        if (more > 0) {
            writer.windowUpdate(0, more);
            connectionWindow += more;
        }
    }

    /**
     * Takes a DATA frame's {@code flowLength} (payload with padding) out of the connection's window.
     *
     * @throws Http2Exception FLOW_CONTROL_ERROR when the client sent beyond it
     */
    void received(int flowLength) throws Http2Exception {
        connectionWindow -= flowLength;
        if (connectionWindow < 0) {
            throw new Http2Exception(FLOW_CONTROL_ERROR, "DATA beyond the connection window");  // §6.9.1
        }
    }

    /** Takes {@code flowLength} out of {@code s}'s window; whether the client kept within it (§6.9.1). */
    boolean receivedOn(Stream s, int flowLength) {
        s.recvWindow -= flowLength;
        return s.recvWindow >= 0;
    }

    /**
     * Gives {@code bytes} back now that they are taken: to the connection's window, and to
     * {@code s}'s when it is given (a stream still open for the client's DATA), each with a
     * WINDOW_UPDATE once half its window is owed.
     */
    void consumed(Stream s, int bytes) {
        connectionUnacked += bytes;
        if (connectionUnacked >= limits.connectionWindowSize() / 2) {
            writer.windowUpdate(0, connectionUnacked);
            connectionWindow += connectionUnacked;
            connectionUnacked = 0;
        }
        if (s != null) {
            s.unacked += bytes;
            if (s.unacked >= limits.initialWindowSize() / 2) {
                writer.windowUpdate(s.id, s.unacked);
                s.recvWindow += s.unacked;
                s.unacked = 0;
            }
        }
    }
}
