package dev.ranch.bench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;
import io.netty.util.collection.IntObjectHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's side of the h2c pair: per channel an {@link Http2ConnectionHandler} (Netty's HTTP/2
 * codec at its lowest level: frames decoded straight into listener calls, no per-stream child
 * channels or frame objects), which expects the client preface at once, so h2c with prior
 * knowledge. Its settings are Netty's defaults plus {@code SETTINGS_MAX_CONCURRENT_STREAMS}
 * 100, ranch-http's default; header validation is off for the responses, as in the HTTP/1.1
 * pair. A stream that ends answers {@code GET} with {@code 200}, {@code Content-Type},
 * {@code Content-Length}, a {@code Date} cached per second and {@code Hello, World!} (a
 * duplicate of one direct buffer), anything else with {@code 405}. The handler flushes once per
 * read batch ({@code channelReadComplete}).
 */
final class NettyH2c {

    private static final ByteBuf BODY = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(Hello.BODY.length).writeBytes(Hello.BODY).asReadOnly());
    private static final AsciiString TEXT_PLAIN = AsciiString.cached(Hello.CONTENT_TYPE);
    private static final AsciiString BODY_LENGTH = AsciiString.cached(Integer.toString(Hello.BODY.length));
    private static final int MAX_CONCURRENT_STREAMS = 100;

    private NettyH2c() {}

    /** Per channel: count it, then a fresh connection handler with its own {@link HelloStreams}. */
    static ChannelHandler initializer(AtomicInteger open) {
        NettyServers.Counter counter = new NettyServers.Counter(open);
        HttpDate date = new HttpDate();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                HelloStreams streams = new HelloStreams(date);
                Http2ConnectionHandler http2 = new Http2ConnectionHandlerBuilder()
                        .server(true)
                        .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                        .frameListener(streams)
                        .build();
                streams.encoder = http2.encoder();
                channel.pipeline().addLast(counter, http2);
            }
        };
    }

    /**
     * One connection's streams: remembers each stream's method from its HEADERS and answers
     * when the stream's last frame (HEADERS or DATA with END_STREAM) arrives. Request bodies are
     * discarded, their bytes returned to the flow-control windows at once. Owner: the
     * channel's event loop.
     */
    static final class HelloStreams extends Http2FrameAdapter {
        private final HttpDate date;
        private final IntObjectHashMap<Boolean> gets = new IntObjectHashMap<>();
        Http2ConnectionEncoder encoder;

        HelloStreams(HttpDate date) {
            this.date = date;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            boolean get = HttpMethod.GET.asciiName().contentEquals(headers.method());
            if (endOfStream) {
                answer(ctx, streamId, get);
            } else {
                gets.put(streamId, Boolean.valueOf(get));
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            if (endOfStream) {
                Boolean get = gets.remove(streamId);
                answer(ctx, streamId, get != null && get);
            }
            return data.readableBytes() + padding;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            gets.remove(streamId);
        }

        private void answer(ChannelHandlerContext ctx, int streamId, boolean get) {
            Http2Headers headers = new DefaultHttp2Headers(false)
                    .status(get ? HttpResponseStatus.OK.codeAsText() : HttpResponseStatus.METHOD_NOT_ALLOWED.codeAsText());
            headers.set(HttpHeaderNames.DATE, date.now());
            if (get) {
                headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
                headers.set(HttpHeaderNames.CONTENT_LENGTH, BODY_LENGTH);
                encoder.writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
                encoder.writeData(ctx, streamId, BODY.duplicate(), 0, true, ctx.newPromise());
            } else {
                encoder.writeHeaders(ctx, streamId, headers, 0, true, ctx.newPromise());
            }
        }
    }
}
