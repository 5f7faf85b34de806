package dev.ranch.bench.server;

import java.util.Locale;

/**
 * The implementations compared: ranch-core and Netty 4.2 with its NIO and (on Linux x86_64)
 * epoll transports. Every kind runs as many event loops as {@link #DEFAULT_LOOPS} unless told otherwise.
 */
public enum ServerKind {
    /** ranch-core on {@code Transports.tcp()}. */
    RANCH("ranch"),
    /** Netty with {@code NioIoHandler} and {@code NioServerSocketChannel}. */
    NETTY_NIO("netty-nio"),
    /** Netty with {@code EpollIoHandler} and {@code EpollServerSocketChannel}; Linux only. */
    NETTY_EPOLL("netty-epoll");

    /**
     * Event loops of every server: the system property {@code bench.loops} when set (to compare
     * loop counts with the JVM's view of the cores unchanged), else one per available
     * processor, both libraries' default.
     */
    public static final int DEFAULT_LOOPS = Integer.getInteger("bench.loops", Runtime.getRuntime().availableProcessors());

    private final String id;

    ServerKind(String id) {
        this.id = id;
    }

    /** The name used in JMH {@code @Param} values. */
    public String id() {
        return id;
    }

    /** Whether this kind can run on this machine (epoll needs its native library). */
    public boolean available() {
        return this != NETTY_EPOLL || NettyServers.epollAvailable();
    }

    /**
     * Starts a server of this kind doing {@code workload} on {@code port} (0: any free port).
     *
     * @throws IllegalStateException when this kind is not {@link #available()} here
     */
    public Server start(Workload workload, int port) {
        return start(workload, port, DEFAULT_LOOPS);
    }

    /**
     * As {@link #start(Workload, int)} with {@code loops} event loops (Netty: worker loops,
     * beside its one acceptor loop).
     *
     * @throws IllegalStateException when this kind is not {@link #available()} here
     */
    public Server start(Workload workload, int port, int loops) {
        return switch (this) {
            case RANCH -> RanchServers.start(workload, port, loops);
            case NETTY_NIO -> NettyServers.start(workload, port, loops, false);
            case NETTY_EPOLL -> NettyServers.start(workload, port, loops, true);
        };
    }

    /** The kind whose {@link #id()} is {@code id}. */
    public static ServerKind of(String id) {
        for (ServerKind kind : values()) {
            if (kind.id.equals(id.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown server kind: " + id);
    }
}
