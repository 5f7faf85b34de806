package dev.ranch.core.listener;

/** Where a listener is in its life. */
public enum ListenerState {
    /** Bound and accepting. */
    RUNNING,
    /** A graceful stop is in progress: no longer accepting, connections winding down. */
    STOPPING,
    /** Stopped: the port is released and every connection is closed. */
    STOPPED
}
