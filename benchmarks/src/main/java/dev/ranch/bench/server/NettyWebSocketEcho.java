package dev.ranch.bench.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's side of the WebSocket pair, the way its own examples build an echo server:
 * {@code HttpServerCodec}, {@code HttpObjectAggregator} for the upgrade request, and
 * {@link WebSocketServerProtocolHandler} at {@code /ws} (it answers pings and closes), then a
 * sharable handler that writes every data frame back and flushes once per read batch.
 *
 * <p>{@code sendCloseFrame(null)}: with Netty's default the handler sends a second close frame
 * ({@code 1000 Bye}) after a protocol error's close, which makes it fail Autobahn (see the
 * project's {@code reference/autobahn.md}); the benchmark runs Netty as it passes.
 */
final class NettyWebSocketEcho {

    /** Largest upgrade request the aggregator takes, and the default frame payload limit. */
    private static final int MAX_CONTENT = 65_536;

    private NettyWebSocketEcho() {}

    /** Per channel: count it, the HTTP codec and aggregator, a fresh protocol handler, the shared echo. */
    static ChannelHandler initializer(AtomicInteger open) {
        NettyServers.Counter counter = new NettyServers.Counter(open);
        Echo echo = new Echo();
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .maxFramePayloadLength(MAX_CONTENT)
                .sendCloseFrame(null)
                .build();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(counter, new HttpServerCodec(), new HttpObjectAggregator(MAX_CONTENT),
                        new WebSocketServerProtocolHandler(config), echo);
            }
        };
    }

    /**
     * Text, binary and continuation frames go back as they came, in order; a plain HTTP
     * request that is not the upgrade gets a 404 and the connection closes.
     */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame) {
                ctx.write(msg, ctx.voidPromise());
                return;
            }
            ReferenceCountUtil.release(msg);
            FullHttpResponse notFound = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER);
            notFound.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(notFound).addListener(ChannelFutureListener.CLOSE);
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
}
