package dev.ranch.chat;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The line-chat server: one {@link Ranch} with one listener named {@value #LISTENER} whose
 * connections speak {@link ChatProtocol}. Also the command line entry point of the fat jar.
 *
 * <p>Start one with {@link #start(ChatConfig)}; {@link #close()} stops it gracefully: new
 * clients are refused, every connected client receives {@code BYE server shutting down} and is
 * closed, and whoever has not gone within {@link ChatConfig#shutdownTimeout()} is cut off. All
 * methods are thread-safe, but {@link #close()} blocks and must not be called from an event
 * loop thread.
 */
public final class ChatServer implements AutoCloseable {

    /** The name of the chat listener within its {@link Ranch}. */
    public static final String LISTENER = "chat";

    /** Exit status for a bad command line. */
    public static final int EXIT_USAGE = 2;
    /** Exit status when the server cannot start, e.g. the port is taken. */
    public static final int EXIT_CANNOT_START = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ChatServer.class);

    private final Ranch ranch;
    private final Listener listener;
    private final ChatRooms rooms;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ChatServer(Ranch ranch, Listener listener, ChatRooms rooms) {
        this.ranch = ranch;
        this.listener = listener;
        this.rooms = rooms;
    }

    /**
     * Binds the port and starts serving. Logs the listening address at INFO. Any thread.
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ChatServer start(ChatConfig config) {
        Ranch.Builder builder = Ranch.builder();
        if (config.eventLoops() > 0) {
            builder.eventLoops(config.eventLoops());
        }
        Ranch ranch = builder.build();
        ChatRooms rooms = new ChatRooms(config);
        ListenerOptions options = ListenerOptions.builder()
                .port(config.port())
                .numAcceptors(config.acceptors())
                .maxConnections(config.maxConnections())
                .idleTimeout(config.idleTimeout())
                .shutdownTimeout(config.shutdownTimeout())
                .build();
        try {
            Listener listener = ranch.startListener(LISTENER, Transports.tcp(), options,
                    connection -> new ChatProtocol(connection, rooms));
            LOG.info("chat server listening on port {} of {} ({})", listener.port(),
                    ((InetSocketAddress) listener.address()).getAddress().getHostAddress(), config);
            return new ChatServer(ranch, listener, rooms);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    /** The bound port; the kernel's choice when the configuration asked for port 0. */
    public int port() {
        return listener.port();
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        // A TCP listener: its address is always an IP address and port.
        return (InetSocketAddress) listener.address();
    }

    /** The chat listener, for its {@code info()}: state, counts, limits. */
    public Listener listener() {
        return listener;
    }

    /** The settings this server runs with. */
    public ChatConfig config() {
        return rooms.config();
    }

    /** The number of members of {@code room} now. */
    public int members(String room) {
        return rooms.registry().count(room);
    }

    /** A snapshot of the flow-control counters. */
    public ChatStats stats() {
        return rooms.counters().snapshot();
    }

    /**
     * Stops gracefully and returns once every client is gone and the event loops have
     * exited; see the class comment. Idempotent: a second caller waits for the first.
     *
     * @throws IllegalStateException when called from an event loop thread
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        try {
            LOG.info("chat server shutting down: saying BYE to {} clients", listener.info().activeConnections());
            ranch.close();
            LOG.info("chat server stopped");
        } finally {
            closed.countDown();
        }
    }

    /** Blocks until {@link #close()} has finished. Any thread but a loop thread. */
    public void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The command line: {@code [--port 4040] [--max-connections N] [--acceptors N]
     * [--idle-timeout SECONDS] [--max-line BYTES] [--help]}. Exits with the status of
     * {@link #run}; on SIGTERM or Ctrl-C the shutdown hook stops the server gracefully first.
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command line without exiting the JVM, so it can be tested in-process. With
     * {@code --help}, prints the usage to {@code out} and returns 0; with a bad option, prints
     * an error to {@code err} and returns {@link #EXIT_USAGE}; when the port cannot be bound,
     * returns {@link #EXIT_CANNOT_START}. Otherwise starts the server, installs a shutdown hook
     * that closes it, and returns 0 once it has been closed. Blocks the calling thread.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ChatConfig config;
        try {
            config = ChatConfig.parse(args);
        } catch (ChatConfig.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("run with --help to see the options");
            return EXIT_USAGE;
        }
        if (config == null) {
            out.print(ChatConfig.USAGE);
            out.flush();
            return 0;
        }
        ChatServer server;
        try {
            server = start(config);
        } catch (UncheckedIOException e) {
            err.println("error: cannot listen on port " + config.port() + ": " + e.getCause().getMessage());
            return EXIT_CANNOT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "chat-shutdown"));
        server.awaitClosed();
        return 0;
    }
}
