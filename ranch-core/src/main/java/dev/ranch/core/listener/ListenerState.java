package dev.ranch.core.listener;

/** Where a listener is in its life. */
public enum ListenerState {
    /** Bound and accepting. */
    RUNNING,
    /** Not listening (the port is released, new clients are refused) but serving its connections. */
    SUSPENDED,
    /** A graceful stop or drain is in progress: no longer accepting, connections winding down. */
    STOPPING,
    /** Stopped: the port is released and every connection is closed. */
    STOPPED
}
