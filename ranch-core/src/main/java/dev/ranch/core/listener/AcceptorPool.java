package dev.ranch.core.listener;

import dev.ranch.core.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A listener's listen channel(s) and the acceptor threads on them (Ranch's
 * {@code ranch_acceptors_sup}): created bound and running, stopped as a whole. A suspended
 * listener has none; resuming creates a new pool on the same address.
 */
final class AcceptorPool {

    private final List<ServerSocketChannel> channels;
    private final List<Thread> threads = new ArrayList<>();
    /** The acceptor each thread of {@link #threads} runs, at the same index. */
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final SocketAddress address;

    private AcceptorPool(List<ServerSocketChannel> channels) throws IOException {
        this.channels = channels;
        this.address = channels.get(0).getLocalAddress();
    }

    /**
     * Binds {@code numListenSockets} channels to {@code requested} (or takes the inherited
     * one) and starts {@code numAcceptors} threads on them.
     *
     * @throws UncheckedIOException when the address cannot be bound
     * @throws IllegalStateException when an inherited channel is asked for and there is none
     */
    static AcceptorPool start(Listener listener, Transport transport, SocketAddress requested,
                              ListenerOptions options, ConnectionSupervisor supervisor) {
        List<ServerSocketChannel> channels = new ArrayList<>();
        SocketAddress address = requested;
        AcceptorPool pool;
        try {
            boolean reusePort = options.numListenSockets() > 1 || (options.reusePort() && options.unixPath() == null);
            if (options.inheritedChannel()) {
                channels.add(InheritedListenSocket.take(listener.name()));
            }
            for (int i = channels.size(); i < options.numListenSockets(); i++) {
                ServerSocketChannel channel = transport.listen(address, options.backlog(), reusePort);
                channels.add(channel);
                // Port 0 picks a port for the first channel only; the others must share it.
                address = channel.getLocalAddress();
            }
            pool = new AcceptorPool(channels);
        } catch (IOException e) {
            closeAll(channels);
            throw new UncheckedIOException("listener '" + listener.name() + "' could not bind " + address
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(channels);
            throw e;
        }
        pool.startAcceptors(listener, options, supervisor);
        return pool;
    }

    private void startAcceptors(Listener listener, ListenerOptions options, ConnectionSupervisor supervisor) {
        AtomicLong lastWarning = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
        AcceptRateLimiter rateLimiter = options.acceptRate() > 0
                ? new AcceptRateLimiter(options.acceptRate(), options.acceptBurst())
                : null;
        int sockets = channels.size();
        for (int i = 0; i < options.numAcceptors(); i++) {
            // Socket i % L, preferred shard (i / L) % S: the acceptors of each socket spread
            // their first choice over the shards (a full shard borrows from the others).
            ServerSocketChannel channel = channels.get(i % sockets);
            int shard = (i / sockets) % supervisor.shardCount();
            Acceptor acceptor = new Acceptor(listener, channel, supervisor, shard, rateLimiter, lastWarning);
            Thread thread = new Thread(acceptor, "ranch-" + listener.name() + "-acceptor-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            acceptors.add(acceptor);
        }
        for (Thread thread : threads) {
            thread.start();
        }
    }

    /** The address the channels are bound to. */
    SocketAddress address() {
        return address;
    }

    /**
     * Closes the channels (new clients are refused) and waits for the acceptors to exit.
     *
     * @return whether every acceptor exited within the timeout
     */
    boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        closeAll(channels);
        // Acceptors in accept() saw the channel close; those parked on a limit or the rate need
        // a nudge, and only they get one (Acceptor explains why).
        for (int i = 0; i < threads.size(); i++) {
            acceptors.get(i).wake(threads.get(i));
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    private static void closeAll(List<ServerSocketChannel> channels) {
        for (ServerSocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Best effort: the descriptor is released either way.
            }
        }
    }
}
