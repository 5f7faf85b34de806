package dev.ranch.core.listener;

/** What a listener does with a new client while it serves {@code maxConnections} already. */
public enum AtLimit {
    /**
     * Stop accepting: the client waits in the kernel backlog until a slot frees (Ranch's
     * behaviour, the default). Nothing is refused, but a full backlog costs kernel memory.
     */
    WAIT,
    /** Accept and close at once; the client sees its connection closed without a word. */
    CLOSE,
    /**
     * Accept, and hand the connection to a new protocol's {@code onRejected} (after the
     * transport handshake) so it can answer, e.g. HTTP 503 or chat {@code ERR server full},
     * then close. Rejected connections are not counted and never read.
     */
    REJECT
}
