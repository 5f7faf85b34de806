package dev.ranch.core.test;

import dev.ranch.core.listener.ListenerOptions;

import java.net.InetAddress;

/** Listener options for tests. */
public final class Loopback {

    private Loopback() {}

    /**
     * A builder with every option at its default except the bind address, which is the
     * loopback interface: a test's listener is reachable by {@link TestClient} and by nothing
     * beyond this host. Port 0, so each listener gets a free port of its own.
     */
    public static ListenerOptions.Builder options() {
        return ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress());
    }
}
