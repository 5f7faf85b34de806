package dev.ranch.http.internal.websocket;

/**
 * A send made off the loop thread, waiting in the session's queue for the loop: the bytes are
 * already copied (or encoded) by the sending thread, so the loop only frames them. Immutable.
 */
final class Outgoing {

    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int FRAGMENT_TEXT = 3;
    static final int FRAGMENT_BINARY = 4;
    static final int PING = 5;
    static final int CLOSE = 6;

    final int kind;
    final byte[] data;
    /** The last fragment of a message, for the fragment kinds. */
    final boolean last;
    /** For {@link #CLOSE}. */
    final int code;
    final String reason;

    Outgoing(int kind, byte[] data, boolean last, int code, String reason) {
        this.kind = kind;
        this.data = data;
        this.last = last;
        this.code = code;
        this.reason = reason;
    }

    /** Bytes this send will put on the wire (payload only), for {@code bufferedAmount}. */
    long size() {
        return data == null ? 0 : data.length;
    }
}
