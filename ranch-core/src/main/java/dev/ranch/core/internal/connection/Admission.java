package dev.ranch.core.internal.connection;

/** How a {@link SocketConnection} came to be served, which decides whether it counts and which callbacks it gets. */
public enum Admission {
    /** Accepted within a listener's limit: holds one of its slots until it closes or is uncounted. */
    COUNTED,
    /** Arrived at a listener's limit under {@code AtLimit.REJECT}: holds no slot and gets only {@code onRejected}. */
    REJECTED,
    /** Opened by this process (an outbound connection): no limit applies and it is served as usual. */
    OUTBOUND
}
