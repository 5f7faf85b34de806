package dev.ranch.core.client;

/** Where an {@link OutboundConnection} is. */
public enum OutboundState {
    /** A non-blocking connect is in progress. */
    CONNECTING,
    /** Connected: its {@code Connection} serves the protocol. */
    CONNECTED,
    /** The last connect failed or the connection dropped; waiting out the back-off. */
    BACKING_OFF,
    /** The policy's {@code maxAttempts} were used up; no more attempts. Final. */
    GAVE_UP,
    /** Closed by {@code close()} or by the ranch closing. Final. */
    CLOSED
}
