package dev.ranch.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty side of every pair: Netty 4.2 with one acceptor ("boss") loop, {@code loops}
 * worker loops, its default pooled allocator, and leak detection off, as tuned Netty
 * deployments run it.
 */
public final class NettyServers {

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    private NettyServers() {}

    /** Whether Netty's native epoll transport loaded on this machine. */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    /** Why epoll did not load, or {@code null} when it did. */
    public static Throwable epollUnavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /** Starts {@code workload} on {@code port} with {@code loops} worker loops, on epoll or NIO. */
    public static Server start(Workload workload, int port, int loops, boolean epoll) {
        if (epoll && !epollAvailable()) {
            throw new IllegalStateException("Netty epoll is not available here", epollUnavailabilityCause());
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(loops, io);
        AtomicInteger open = new AtomicInteger();
        ChannelHandler handler = switch (workload) {
            case ECHO -> new Echo(open);
        };
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(handler)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .sync()
                    .channel();
            return new NettyServer(channel, boss, workers, open);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(boss, workers);
            throw new IllegalStateException("interrupted while binding", e);
        } catch (RuntimeException e) {
            shutdown(boss, workers);
            throw e;
        }
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Writes back every buffer it reads and flushes once per read batch, the usual way to echo
     * with Netty: one {@code write} per read, one syscall per {@code channelReadComplete}.
     * Stateless, so one instance serves every channel.
     */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        private final AtomicInteger open;

        Echo(AtomicInteger open) {
            this.open = open;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            open.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private record NettyServer(Channel channel, EventLoopGroup boss, EventLoopGroup workers, AtomicInteger open)
            implements Server {
        @Override
        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public int connections() {
            return open.get();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            shutdown(boss, workers);
        }
    }
}
