package dev.ranch.bench;

import dev.ranch.http.HttpOptions;
import dev.ranch.http.Headers;
import dev.ranch.http.internal.parse.RequestHead;
import dev.ranch.http.internal.parse.RequestParser;
import dev.ranch.http.internal.parse.RequestSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Pair 6, HTTP request parsing alone, no sockets: requests parsed per second (and, with
 * {@code -prof gc}, bytes allocated per request) by ranch-http's {@link RequestParser} and by
 * Netty's {@link HttpRequestDecoder} in an {@link EmbeddedChannel}. One operation is one
 * whole request: a browser-like {@code GET} of 9 header fields, 452 bytes, parsed from one
 * buffer by a parser that lives across operations, as on a keep-alive connection. Each side
 * hands what it produced (ranch: the {@link RequestHead}; Netty: the request and its
 * {@code LastHttpContent}) to a {@link Blackhole}. Netty's figure includes the
 * EmbeddedChannel's pipeline and its message queue, which is how its decoder runs alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HttpParseBenchmark {

    /** The request parsed, with typical browser fields. */
    static final byte[] REQUEST = String.join("\r\n",
            "GET /articles/2026/ranch-on-java?page=2&sort=new HTTP/1.1",
            "Host: www.example.com",
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language: en-US,en;q=0.5",
            "Accept-Encoding: gzip, deflate, br",
            "Connection: keep-alive",
            "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark",
            "Upgrade-Insecure-Requests: 1",
            "Cache-Control: max-age=0",
            "", "").getBytes(StandardCharsets.US_ASCII);

    /** Parser: {@code ranch} (RequestParser) or {@code netty} (HttpRequestDecoder). */
    @Param({"ranch", "netty"})
    public String server;

    private RequestParser parser;
    private ByteBuffer input;
    private Sink sink;

    private EmbeddedChannel channel;
    private ByteBuf nettyInput;

    /** Makes the parser of {@link #server} and its input. */
    @Setup(Level.Trial)
    public void start() {
        switch (server) {
            case "ranch" -> {
                parser = new RequestParser(HttpOptions.DEFAULTS);
                input = ByteBuffer.wrap(REQUEST);
                sink = new Sink();
            }
            case "netty" -> {
                ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
                channel = new EmbeddedChannel(new HttpRequestDecoder());
                nettyInput = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(REQUEST));
            }
            default -> throw new IllegalArgumentException("unknown parser " + server + "; ranch or netty");
        }
    }

    /** Closes the embedded channel. */
    @TearDown(Level.Trial)
    public void stop() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /** Parses one request. */
    @Benchmark
    public void parse(Blackhole blackhole) {
        if (parser != null) {
            input.clear();
            if (!parser.parse(input, sink)) {
                throw new IllegalStateException("request not complete");
            }
            blackhole.consume(sink.head);
        } else {
            channel.writeInbound(nettyInput.duplicate());
            for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
                blackhole.consume(message);
                ReferenceCountUtil.release(message);
            }
        }
    }

    /** Keeps the last head; a GET has no body. */
    private static final class Sink implements RequestSink {
        RequestHead head;

        @Override
        public void onHead(RequestHead head) {
            this.head = head;
        }

        @Override
        public void onBody(ByteBuffer data) {
            throw new IllegalStateException("a GET with a body");
        }

        @Override
        public void onComplete(Headers trailers) {}
    }
}
