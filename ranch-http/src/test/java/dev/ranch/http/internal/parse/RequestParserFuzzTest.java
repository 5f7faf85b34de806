package dev.ranch.http.internal.parse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpOptions;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Coverage-guided fuzzing of the request parser and its chunk decoder (docs/fuzzing.md), with
 * limits small enough for the fuzzer to reach. Whatever the bytes:
 * <ul>
 *   <li>the only failure is an {@link HttpParseException} with a status the parser documents;</li>
 *   <li>no head has more fields than {@code maxHeaders} or a longer request line than
 *       {@code maxRequestLine}, and no body (Content-Length or chunked) exceeds {@code maxBodySize};</li>
 *   <li>the messages, bodies, trailers and the rejection are the same whether the input arrives
 *       whole or in the pieces the fuzzer chose, and body views are not used after the read;</li>
 *   <li>on messages Netty's {@code HttpRequestDecoder} also accepts, both read the same method,
 *       target, header fields and body ({@link NettyRequests}), apart from the deliberate
 *       differences {@link NettyRequests} names.</li>
 * </ul>
 *
 * <p>Input layout: the bytes of the connection, then eight bytes (taken from the end) choosing
 * the cuts. Without JAZZER_FUZZ this replays {@code RequestParserFuzzTestInputs/...}.
 */
class RequestParserFuzzTest {

    static final HttpOptions LIMITS = HttpOptions.builder()
            .maxRequestLine(256)
            .maxHeaders(12)
            .maxHeaderBytes(1024)
            .maxBodySize(2048)
            .maxChunkExtensionBytes(32)
            .build();

    private static final Set<Integer> DOCUMENTED_STATUSES = Set.of(400, 413, 414, 431, 501, 505);

    /** One message as the parser reported it. */
    record Message(String method, String target, int version, List<String> fields, byte[] body, List<String> trailers) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Message m && method.equals(m.method) && target.equals(m.target) && version == m.version
                    && fields.equals(m.fields) && java.util.Arrays.equals(body, m.body) && trailers.equals(m.trailers);
        }

        @Override
        public int hashCode() {
            return target.hashCode();
        }

        @Override
        public String toString() {
            return method + " " + target + " v" + version + " " + fields + " body="
                    + new String(body, StandardCharsets.ISO_8859_1) + " trailers=" + trailers;
        }
    }

    /** Everything one feed produced: the complete messages, then the rejection (status and reason) if any. */
    record Outcome(List<Message> messages, String rejection) {}

    @FuzzTest(maxDuration = "5m")
    void parserAgreesWithItselfAndWithNetty(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        Outcome whole = parse(List.of(ByteBuffer.wrap(input.clone())));
        Outcome split = parse(Splits.pieces(input, choice));
        assertEquals(whole, split, "whole vs split");
        NettyRequests.assertAgree(input, whole.messages());
    }

    static Outcome parse(List<ByteBuffer> pieces) {
        RequestParser parser = new RequestParser(LIMITS);
        Recorder recorder = new Recorder();
        try {
            for (ByteBuffer piece : pieces) {
                while (piece.hasRemaining()) {
                    int before = recorder.messages.size();
                    boolean completed = parser.parse(piece, recorder);
                    assertEquals(completed, recorder.messages.size() == before + 1,
                            "parse() returns true exactly when it completed a message");
                }
                Splits.scribble(piece);  // the read buffer is reused: no view of it may outlive the call
            }
        } catch (HttpParseException e) {
            if (!DOCUMENTED_STATUSES.contains(e.status())) {
                fail("undocumented status " + e.status() + ": " + e.getMessage());
            }
            return new Outcome(recorder.messages, e.status() + " " + e.getMessage());
        }
        return new Outcome(recorder.messages, null);
    }

    /** Records messages and checks the limits as the parser reports. */
    private static final class Recorder implements RequestSink {
        final List<Message> messages = new ArrayList<>();
        private RequestHead head;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public void onHead(RequestHead h) {
            assertTrue(head == null, "a head while the previous message is open");
            assertTrue(h.headers().size() <= LIMITS.maxHeaders(), "more fields than maxHeaders");
            // method SP target SP HTTP/x.y: the line without its CRLF.
            int line = h.method().length() + 1 + h.target().length() + 1 + 8;
            assertTrue(line <= LIMITS.maxRequestLine(), () -> "request line of " + line + " bytes");
            assertTrue(!h.target().isEmpty() && !h.method().isEmpty(), "empty method or target");
            assertTrue(!h.hasBody() || h.chunked() || h.contentLength() <= LIMITS.maxBodySize(),
                    "Content-Length over maxBodySize accepted");
            head = h;
            body.reset();
        }

        @Override
        public void onBody(ByteBuffer data) {
            assertTrue(head != null, "body without a head");
            byte[] piece = new byte[data.remaining()];
            data.get(piece);
            body.writeBytes(piece);
            assertTrue(body.size() <= LIMITS.maxBodySize(), () -> "body of " + body.size() + " bytes delivered");
        }

        @Override
        public void onComplete(Headers trailers) {
            assertTrue(head != null, "completion without a head");
            assertTrue(trailers.size() <= LIMITS.maxHeaders(), "more trailer fields than maxHeaders");
            if (!head.chunked()) {
                assertEquals(Math.max(0, head.contentLength()), body.size(), "body length is Content-Length");
            }
            messages.add(new Message(head.method(), head.target(), head.version(), fields(head.headers()),
                    body.toByteArray(), fields(trailers)));
            head = null;
        }

        private static List<String> fields(Headers headers) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < headers.size(); i++) {
                out.add(headers.name(i) + ": " + headers.value(i));
            }
            return out;
        }
    }
}
