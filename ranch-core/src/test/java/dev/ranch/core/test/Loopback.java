package dev.ranch.core.test;

import dev.ranch.core.listener.ListenerOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Listener options and ports for tests. */
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

    /** A loopback port that was free a moment ago: nothing listens there unless a test starts to. */
    public static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
