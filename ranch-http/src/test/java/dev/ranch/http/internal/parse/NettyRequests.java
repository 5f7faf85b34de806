package dev.ranch.http.internal.parse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The differential oracle of {@link RequestParserFuzzTest}: Netty's {@code HttpRequestDecoder}
 * (test scope only) reads the same bytes, and the messages both accept must agree in method,
 * target, version, header fields and body. Netty gets far larger limits than the parser under
 * test, so a limit never makes it refuse what ranch accepted.
 *
 * <p>The differences that are deliberate are each a named predicate below, with the reason;
 * a message they match is not compared. Anything else is a finding.
 */
final class NettyRequests {

    private NettyRequests() {}

    /**
     * Compares the messages ranch completed with the ones Netty completed without failure, up
     * to the first message one of them did not accept.
     */
    static void assertAgree(byte[] input, List<RequestParserFuzzTest.Message> ranch) {
        List<RequestParserFuzzTest.Message> netty = decode(input);
        int both = Math.min(ranch.size(), netty.size());
        for (int i = 0; i < both; i++) {
            RequestParserFuzzTest.Message r = ranch.get(i);
            if (deliberatelyDifferent(r)) {
                return;  // framing may differ from here on
            }
            assertEquals(withoutFramingTrailers(r).toString(), netty.get(i).toString(),
                    "message " + i + " read differently by Netty");
        }
    }

    private static boolean deliberatelyDifferent(RequestParserFuzzTest.Message m) {
        return nettyReadsHixie76KeyBytes(m);
    }

    /**
     * Netty still reads the eight key bytes of the 2010 hixie-76 WebSocket draft as a body when
     * a request has both {@code Sec-WebSocket-Key1} and {@code -Key2} and no Content-Length.
     * RFC 9112 section 6.3 says such a request has no body, and RFC 6455 dropped those keys, so
     * ranch reads those bytes as the next request.
     */
    static boolean nettyReadsHixie76KeyBytes(RequestParserFuzzTest.Message m) {
        return has(m, "sec-websocket-key1") && has(m, "sec-websocket-key2");
    }

    /**
     * Netty drops {@code Content-Length}, {@code Transfer-Encoding} and {@code Trailer} from a
     * trailer section; ranch hands the trailer section over as sent, since RFC 9110 section 6.5.1
     * only forbids merging such fields into the header section, which ranch never does.
     */
    static RequestParserFuzzTest.Message withoutFramingTrailers(RequestParserFuzzTest.Message m) {
        List<String> kept = m.trailers().stream().filter(f -> {
            String name = f.substring(0, f.indexOf(':')).toLowerCase(java.util.Locale.ROOT);
            return !name.equals("content-length") && !name.equals("transfer-encoding") && !name.equals("trailer");
        }).toList();
        return new RequestParserFuzzTest.Message(m.method(), m.target(), m.version(), m.fields(), m.body(), kept);
    }

    private static boolean has(RequestParserFuzzTest.Message m, String lowerCaseName) {
        return m.fields().stream().anyMatch(f -> f.toLowerCase(java.util.Locale.ROOT).startsWith(lowerCaseName + ":"));
    }

    /** The messages Netty decodes from {@code input} without a failure, in order, up to its first failure. */
    static List<RequestParserFuzzTest.Message> decode(byte[] input) {
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(64 * 1024)
                .setMaxHeaderSize(256 * 1024)
                .setMaxChunkSize(64 * 1024);
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(config));
        List<RequestParserFuzzTest.Message> messages = new ArrayList<>();
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(input));
            HttpRequest request = null;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            Object o;
            while ((o = channel.readInbound()) != null) {
                try {
                    if (o instanceof HttpRequest r) {
                        if (r.decoderResult().isFailure()) {
                            return messages;
                        }
                        request = r;
                        body.reset();
                    }
                    if (o instanceof HttpContent c) {
                        if (c.decoderResult().isFailure() || request == null) {
                            return messages;
                        }
                        ByteBuf content = c.content();
                        byte[] bytes = new byte[content.readableBytes()];
                        content.getBytes(content.readerIndex(), bytes);
                        body.writeBytes(bytes);
                        if (c instanceof LastHttpContent last) {
                            messages.add(new RequestParserFuzzTest.Message(request.method().name(), request.uri(),
                                    request.protocolVersion().minorVersion() == 1 ? 11 : 10, fields(request.headers()),
                                    body.toByteArray(), fields(last.trailingHeaders())));
                            request = null;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
            return messages;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static List<String> fields(HttpHeaders headers) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            out.add(e.getKey() + ": " + e.getValue());
        }
        return out;
    }
}
