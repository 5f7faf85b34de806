package dev.ranch.core.test;

import dev.ranch.core.Connection;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the server side of a test saw, reported by test protocols from their callbacks.
 * Tests read it to tell which clients were served without blocking on a client read, and
 * to count callbacks independently of the listener's own counters.
 */
public final class ConnectionTracker {

    private final AtomicInteger initialized = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxOpen = new AtomicInteger();
    private final AtomicInteger handshaken = new AtomicInteger();
    private final AtomicInteger shutdowns = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final Set<Integer> servedPeerPorts = ConcurrentHashMap.newKeySet();

    /** From {@code Protocol.init}. */
    public void initialized(Connection connection) {
        initialized.incrementAndGet();
        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    }

    /** From {@code Protocol.onHandshake}: the connection is served. */
    public void handshaken(Connection connection) {
        handshaken.incrementAndGet();
        servedPeerPorts.add(((InetSocketAddress) connection.peer()).getPort());
    }

    /** From {@code Protocol.onShutdown}. */
    public void shutdownRequested(Connection connection) {
        shutdowns.incrementAndGet();
    }

    /** From {@code Protocol.onClose}. */
    public void closed(Connection connection) {
        open.decrementAndGet();
        closed.incrementAndGet();
    }

    /** Connections whose {@code init} ran. */
    public int initialized() {
        return initialized.get();
    }

    /** The most connections between {@code init} and {@code onClose} at any one time. */
    public int maxOpen() {
        return maxOpen.get();
    }

    /** Connections whose {@code onHandshake} ran. */
    public int handshaken() {
        return handshaken.get();
    }

    /** {@code onShutdown} calls. */
    public int shutdowns() {
        return shutdowns.get();
    }

    /** {@code onClose} calls. */
    public int closed() {
        return closed.get();
    }

    /** A snapshot of the client-side ports of every connection that completed its handshake. */
    public Set<Integer> servedPeerPorts() {
        return Set.copyOf(servedPeerPorts);
    }
}
