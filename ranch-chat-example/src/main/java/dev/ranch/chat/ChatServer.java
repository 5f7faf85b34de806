package dev.ranch.chat;

import dev.ranch.chat.cluster.RedisRoomBus;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The line-chat server: one {@link Ranch} with a TCP listener named {@value #LISTENER} whose
 * connections speak {@link ChatProtocol}, and an HTTP listener named {@value #HTTP_LISTENER}
 * serving the browser chat: its page at {@code /} and the same chat over WebSocket at
 * {@code /ws}, one line per text frame, and the meters in Prometheus text at {@code /metrics}
 * ({@link ChatMetrics}). Both kinds of client share the rooms. Also the command
 * line entry point of the fat jar.
 *
 * <p>With {@link ChatConfig#redis()} the server is one node of a cluster: its rooms span every
 * node on the same Redis ({@link RedisRoomBus}). Without, it is alone ({@link RoomBus#LOCAL}).
 *
 * <p>Start one with {@link #start(ChatConfig)}; {@link #close()} stops it gracefully: new
 * clients are refused, every connected client, TCP or browser, receives {@code BYE server
 * shutting down} and is closed (browsers with WebSocket close code 1001), and whoever
 * has not gone within {@link ChatConfig#shutdownTimeout()} is cut off. All
 * methods are thread-safe, but {@link #close()} blocks and must not be called from an event
 * loop thread.
 */
public final class ChatServer implements AutoCloseable {

    /** The name of the chat listener within its {@link Ranch}. */
    public static final String LISTENER = "chat";
    /** The name of the HTTP listener (page and WebSocket) within its {@link Ranch}. */
    public static final String HTTP_LISTENER = "chat-http";

    /** Exit status for a bad command line. */
    public static final int EXIT_USAGE = 2;
    /** Exit status when the server cannot start, e.g. the port is taken. */
    public static final int EXIT_CANNOT_START = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ChatServer.class);

    /**
     * {@code SO_SNDBUF} of every client socket, TCP and browser. Left to the kernel, a socket
     * whose peer never reads grows its buffer to {@code tcp_wmem}'s maximum (4 MiB on Linux),
     * all of it filled by fan-out work before the member's own bound is even reached, for
     * every such member. A chat line is small: 128 KiB (the kernel doubles it) is far more
     * than any reader needs in flight.
     */
    static final int SEND_BUFFER = 128 * 1024;

    private final Ranch ranch;
    private final Listener listener;
    private final Listener httpListener;
    private final ChatRooms rooms;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ChatServer(Ranch ranch, Listener listener, Listener httpListener, ChatRooms rooms) {
        this.ranch = ranch;
        this.listener = listener;
        this.httpListener = httpListener;
        this.rooms = rooms;
    }

    /**
     * Binds the TCP port, then the HTTP port, and starts serving. Logs both addresses at INFO.
     * Any thread.
     *
     * @throws UncheckedIOException when the TCP port cannot be bound
     * @throws HttpPortException when the HTTP port cannot be bound; nothing is left running
     */
    public static ChatServer start(ChatConfig config) {
        Ranch.Builder builder = Ranch.builder();
        if (config.eventLoops() > 0) {
            builder.eventLoops(config.eventLoops());
        }
        Ranch ranch = builder.build();
        ChatRooms rooms = new ChatRooms(config, config.redis() == null
                ? local -> RoomBus.LOCAL
                : local -> RedisRoomBus.start(config, local));
        ListenerOptions options = ListenerOptions.builder()
                .port(config.port())
                .numAcceptors(config.acceptors())
                .maxConnections(config.maxConnections())
                .idleTimeout(config.idleTimeout())
                .shutdownTimeout(config.shutdownTimeout())
                .sendBufferSize(SEND_BUFFER)
                .proxyProtocol(config.proxyProtocol())
                .reusePort(config.reusePort())
                .inheritedChannel(config.inheritedSocket())
                .build();
        // Before the first listener: the Prometheus registry loads many classes, and a main
        // that logged its port must not keep clients waiting for that (ProcessTest).
        ChatMetrics metrics = new ChatMetrics(rooms);
        try {
            Listener listener = ranch.startListener(LISTENER, Transports.tcp(), options,
                    connection -> new ChatProtocol(connection, rooms));
            metrics.bind(listener);
            Listener http = startHttp(ranch, config, rooms, metrics);
            metrics.bind(http);
            // Logged once both ports are bound: a busy HTTP port must not follow a line saying
            // the chat is up.
            LOG.info("chat server listening on port {} of {} ({})", listener.port(),
                    ((InetSocketAddress) listener.address()).getAddress().getHostAddress(), config);
            LOG.info("browser chat at http://localhost:{}/ (WebSocket at /ws, Prometheus metrics at /metrics)",
                    http.port());
            return new ChatServer(ranch, listener, http, rooms);
        } catch (RuntimeException e) {
            ranch.close();
            rooms.bus().close();
            throw e;
        }
    }

    private static Listener startHttp(Ranch ranch, ChatConfig config, ChatRooms rooms, ChatMetrics metrics) {
        Router router = Router.builder()
                .get("/", ChatPage.file("index.html"))
                .get("/chat.css", ChatPage.file("chat.css"))
                .get("/chat.js", ChatPage.file("chat.js"))
                .get("/metrics", metrics.handler())
                .websocket("/ws", (request, handshake) -> new ChatSocket(rooms), ChatSocket.options(config))
                .build();
        ListenerOptions options = ListenerOptions.builder()
                .port(config.httpPort())
                // Browsers connect once and stay on their WebSocket: a couple of acceptors keep up.
                .numAcceptors(Math.min(config.acceptors(), 2))
                // Its own limit: browsers never take the places of nc clients, nor the reverse.
                .maxConnections(config.maxConnections())
                .shutdownTimeout(config.shutdownTimeout())
                .sendBufferSize(SEND_BUFFER)
                .proxyProtocol(config.proxyProtocol())
                .reusePort(config.reusePort())
                .build();
        try {
            return HttpServer.start(ranch, HTTP_LISTENER, options, router, HttpOptions.DEFAULTS);
        } catch (UncheckedIOException e) {
            throw new HttpPortException(config.httpPort(), e.getCause());
        }
    }

    /** The bound TCP port; the kernel's choice when the configuration asked for port 0. */
    public int port() {
        return listener.port();
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        // A TCP listener: its address is always an IP address and port.
        return (InetSocketAddress) listener.address();
    }

    /** The bound HTTP port of the page and its WebSocket; the kernel's choice for port 0. */
    public int httpPort() {
        return httpListener.port();
    }

    /** The HTTP listener (page and WebSocket), for its {@code info()}. */
    public Listener httpListener() {
        return httpListener;
    }

    /** The chat listener, for its {@code info()}: state, counts, limits. */
    public Listener listener() {
        return listener;
    }

    /** The settings this server runs with. */
    public ChatConfig config() {
        return rooms.config();
    }

    /** The number of members of {@code room} on this server now. */
    public int members(String room) {
        return rooms.registry().count(room);
    }

    /**
     * What {@code WHO} answers in {@code room}: its members here plus, in a cluster, those of
     * the other nodes as of this node's last heartbeat.
     */
    public int membersEverywhere(String room) {
        return rooms.membersEverywhere(room);
    }

    /**
     * What carries the rooms to other nodes: {@link RoomBus#LOCAL} for a server alone, a
     * {@link RedisRoomBus} (for its {@code stats()}) with {@link ChatConfig#redis()}.
     */
    public RoomBus bus() {
        return rooms.bus();
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
            LOG.info("chat server shutting down: saying BYE to {} clients and {} HTTP connections",
                    listener.info().activeConnections(), httpListener.info().activeConnections());
            ranch.close();
            // After the members' goodbyes: the other nodes stop counting them once it is closed.
            rooms.bus().close();
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
     * The command line: {@code [--port 4040] [--http-port 8080] [--max-connections N] [--acceptors N]
     * [--idle-timeout SECONDS] [--max-line BYTES] [--proxy-protocol OFF|REQUIRED|OPTIONAL]
     * [--redis URI] [--node-id ID] [--heartbeat-ms MILLIS] [--node-expiry-ms MILLIS] [--help]};
     * see {@link ChatConfig#USAGE}. Exits with the status of
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
     * an error to {@code err} and returns {@link #EXIT_USAGE}; when a port cannot be bound,
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
        // The hook is installed before the ports open: a SIGTERM that arrives while they open
        // then closes the server, with its goodbyes, as soon as it is up, instead of killing a
        // server that already accepts clients but has no hook yet.
        CompletableFuture<ChatServer> started = new CompletableFuture<>();
        Thread hook = new Thread(() -> started.thenAccept(ChatServer::close).exceptionally(e -> null).join(),
                "chat-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ChatServer server;
        try {
            server = start(config);
        } catch (HttpPortException e) {
            notStarted(started, hook, e);
            err.println(cannotListen("http port", e.port, "--http-port", e.getCause()));
            return EXIT_CANNOT_START;
        } catch (UncheckedIOException e) {
            notStarted(started, hook, e);
            err.println(cannotListen("port", config.port(), "--port", e.getCause()));
            return EXIT_CANNOT_START;
        } catch (IllegalStateException e) {
            notStarted(started, hook, e);
            err.println("error: " + e.getMessage());  // --inherited-socket without a listening socket on stdin
            return EXIT_CANNOT_START;
        } catch (RuntimeException | Error e) {
            notStarted(started, hook, e);
            throw e;
        }
        started.complete(server);
        server.awaitClosed();
        return 0;
    }

    /**
     * The one line telling why a port could not be bound; when another process holds it, it
     * names the option that moves this server elsewhere.
     */
    static String cannotListen(String what, int port, String option, java.io.IOException cause) {
        String line = "error: cannot listen on " + what + " " + port + ": " + cause.getMessage();
        if (cause instanceof java.net.BindException) {
            line += "; is another server using it? Choose another with " + option + " PORT, or "
                    + option + " 0 for a free one (logged at start)";
        }
        return line;
    }

    /** The server did not start: the shutdown hook has nothing to close and is withdrawn. */
    private static void notStarted(CompletableFuture<ChatServer> started, Thread hook, Throwable cause) {
        started.completeExceptionally(cause);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting; the hook finds the future failed and returns.
        }
    }

    /** The HTTP port could not be bound; the cause says why. */
    public static final class HttpPortException extends UncheckedIOException {
        private static final long serialVersionUID = 1L;

        /** The port that was asked for. */
        public final int port;

        HttpPortException(int port, java.io.IOException cause) {
            super("cannot listen on http port " + port, cause);
            this.port = port;
        }
    }
}
