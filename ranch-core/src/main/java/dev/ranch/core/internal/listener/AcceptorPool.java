package dev.ranch.core.internal.listener;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A listener's listen channel(s) and the acceptor threads on them (Ranch's
 * {@code ranch_acceptors_sup}): created bound and running, stopped as a whole. A suspended
 * listener has none; resuming creates a new pool on the same address.
 */
public final class AcceptorPool {

    /** The longest a stop that hands the port over waits for the accept queue to empty. */
    static final Duration QUEUE_HANDOVER = Duration.ofSeconds(1);

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
    public static AcceptorPool start(Listener listener, AcceptedChannels accepted, Transport transport, SocketAddress requested,
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
        pool.startAcceptors(listener, accepted, options, supervisor);
        return pool;
    }

    private void startAcceptors(Listener listener, AcceptedChannels accepted, ListenerOptions options, ConnectionSupervisor supervisor) {
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
            Acceptor acceptor = new Acceptor(listener, accepted, channel, supervisor, shard, rateLimiter, lastWarning);
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
    public SocketAddress address() {
        return address;
    }

    /**
     * Closes the channels (new clients are refused) and waits for the acceptors to exit.
     *
     * @return whether every acceptor exited within the timeout
     */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        return stop(timeout, unit, false);
    }

    /**
     * {@link #stop(long, TimeUnit)}, first letting the acceptors empty the accept queue when
     * {@code handingOver}: see {@link #awaitEmptyQueue}.
     */
    public boolean stop(long timeout, TimeUnit unit, boolean handingOver) throws InterruptedException {
        if (handingOver) {
            awaitEmptyQueue();
        }
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

    /**
     * Closing a listen socket makes Linux reset the connections waiting in its accept queue
     * (unless {@code net.ipv4.tcp_migrate_req} is 1, which moves them to another socket of the
     * same {@code SO_REUSEPORT} group): clients whose connect succeeded, lost although the
     * process taking over the port is listening. And a stop drops the client an acceptor holds
     * between {@code accept()} and its hand-off (waiting for its accept-rate turn). While other
     * sockets share the port, new clients keep arriving here until the close, so the acceptors
     * go on taking them until a reading finds this process's queue empty with every acceptor
     * back inside {@code accept()}, and the close follows at once; a client arriving within
     * that last reading (about a millisecond) is still reset. Bounded by
     * {@link #QUEUE_HANDOVER}: acceptors held by the connection limit take nothing. Linux
     * only; elsewhere, or when the queue cannot be read, it returns at once.
     */
    private void awaitEmptyQueue() {
        Set<String> ours = AcceptQueue.ownSockets();
        long deadline = System.nanoTime() + QUEUE_HANDOVER.toNanos();
        while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
            // The queue first: a client taken after this reading is seen held below.
            long depth = AcceptQueue.depth(address, ours);
            if (depth < 0 || depth == 0 && acceptors.stream().allMatch(Acceptor::inAccept)) {
                return;
            }
            // The pace of the readings, not a guess at when the queue empties.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
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
