package dev.ranch.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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
            case HTTP -> http(open);
            case CHAT -> chat(open);
            case TLS_ECHO -> NettyEncrypted.echo(open);
            case HTTPS_HELLO -> NettyEncrypted.https(open);
            case WS_ECHO -> NettyWebSocketEcho.initializer(open);
            case H2C -> NettyH2c.initializer(open);
        };
        // Every accepted channel, so that close() can wait for each one's close (see NettyServer).
        ChannelGroup children = new DefaultChannelGroup("accepted", GlobalEventExecutor.INSTANCE);
        ChannelHandler tracked = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel child) {
                children.add(child);
                child.pipeline().addLast(handler);
            }
        };
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(tracked)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .sync()
                    .channel();
            return new NettyServer(channel, children, boss, workers, open);
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

    /** Per channel: count it, then {@link HttpServerCodec} and the shared {@link HttpHello}. */
    private static ChannelHandler http(AtomicInteger open) {
        Counter counter = new Counter(open);
        HttpHello hello = new HttpHello();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(counter, new HttpServerCodec(), hello);
            }
        };
    }

    /** Per channel: count it, split lines (at most 4096 bytes), then a {@link ChatLine} of its own. */
    private static ChannelHandler chat(AtomicInteger open) {
        Counter counter = new Counter(open);
        ConcurrentMap<String, ChannelGroup> rooms = new ConcurrentHashMap<>();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(counter, new LineBasedFrameDecoder(4096), new ChatLine(rooms));
            }
        };
    }

    /** Counts open channels. */
    @ChannelHandler.Sharable
    static final class Counter extends ChannelInboundHandlerAdapter {
        private final AtomicInteger open;

        Counter(AtomicInteger open) {
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
    }

    /**
     * Hello world behind {@link HttpServerCodec}: answers every {@code GET} with a
     * {@link FullHttpResponse} (a duplicate of one shared direct body, header validation off,
     * a Date header cached per second as ranch-http's), anything else with 405; writes on
     * each request and flushes on {@code channelReadComplete}, so a pipelined batch goes out
     * in one syscall. Keep-alive unless the request says otherwise. Stateless and sharable.
     */
    @ChannelHandler.Sharable
    static final class HttpHello extends ChannelInboundHandlerAdapter {
        private static final ByteBuf BODY = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(Hello.BODY.length).writeBytes(Hello.BODY).asReadOnly());
        private static final AsciiString TEXT_PLAIN = AsciiString.cached(Hello.CONTENT_TYPE);
        private static final AsciiString BODY_LENGTH = AsciiString.cached(Integer.toString(Hello.BODY.length));
        private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
        private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

        private final HttpDate date = new HttpDate();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    boolean get = request.method().equals(HttpMethod.GET);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            get ? HttpResponseStatus.OK : HttpResponseStatus.METHOD_NOT_ALLOWED,
                            get ? BODY.duplicate() : Unpooled.EMPTY_BUFFER, HEADERS, TRAILERS);
                    HttpHeaders headers = response.headers();
                    headers.set(HttpHeaderNames.DATE, date.now());
                    if (get) {
                        headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
                        headers.set(HttpHeaderNames.CONTENT_LENGTH, BODY_LENGTH);
                    } else {
                        headers.set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
                    }
                    if (HttpUtil.isKeepAlive(request)) {
                        ctx.write(response, ctx.voidPromise());
                    } else {
                        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
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

    /**
     * One chat connection, the Netty way: {@code JOIN room} puts the channel in that room's
     * {@link DefaultChannelGroup} (leaving the previous one) and answers {@code OK joined room};
     * any other line goes, with its LF, to every other member through
     * {@link ChannelGroup#writeAndFlush(Object, io.netty.channel.group.ChannelMatcher)}, which
     * hands each member a retained duplicate of one buffer. Empty lines are ignored; a line
     * before any JOIN answers {@code ERR join a room first}. Closed channels leave their group
     * by themselves.
     */
    static final class ChatLine extends ChannelInboundHandlerAdapter {
        private static final byte[] JOIN = "JOIN ".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] JOIN_FIRST = "ERR join a room first\n".getBytes(StandardCharsets.US_ASCII);

        private final ConcurrentMap<String, ChannelGroup> rooms;
        private ChannelGroup room;

        ChatLine(ConcurrentMap<String, ChannelGroup> rooms) {
            this.rooms = rooms;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            try {
                int length = line.readableBytes();
                if (length > 0 && line.getByte(line.writerIndex() - 1) == '\r') {
                    line.writerIndex(line.writerIndex() - 1);
                    length--;
                }
                if (length == 0) {
                    return;
                }
                if (length > JOIN.length && startsWith(line, JOIN)) {
                    String name = line.toString(line.readerIndex() + JOIN.length, length - JOIN.length,
                            StandardCharsets.UTF_8);
                    if (room != null) {
                        room.remove(ctx.channel());
                    }
                    room = rooms.computeIfAbsent(name, n -> new DefaultChannelGroup(n, GlobalEventExecutor.INSTANCE));
                    room.add(ctx.channel());
                    ctx.writeAndFlush(Unpooled.copiedBuffer("OK joined " + name + "\n", StandardCharsets.UTF_8),
                            ctx.voidPromise());
                } else if (room == null) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(JOIN_FIRST), ctx.voidPromise());
                } else {
                    ByteBuf out = ctx.alloc().buffer(length + 1).writeBytes(line, line.readerIndex(), length).writeByte('\n');
                    room.writeAndFlush(out, ChannelMatchers.isNot(ctx.channel()), true);
                }
            } finally {
                line.release();
            }
        }

        private static boolean startsWith(ByteBuf line, byte[] prefix) {
            for (int i = 0; i < prefix.length; i++) {
                if (line.getByte(line.readerIndex() + i) != prefix[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * A started server. {@link #close()} stops accepting, then closes every accepted channel
     * and waits for each close to complete, and only then shuts the loops down: a loop shut
     * down while some of its channels are still closing (the client has just gone, so a
     * channel is part way through its inactive / TLS close) may exit leaving such a channel's
     * socket open for good, with no thread left to close it.
     */
    private record NettyServer(Channel channel, ChannelGroup children, EventLoopGroup boss, EventLoopGroup workers,
            AtomicInteger open) implements Server {
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
            children.close().awaitUninterruptibly();
            shutdown(boss, workers);
        }
    }
}
