package dev.ranch.http.internal.parse;

import dev.ranch.http.HttpOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestParserTest {

    private static final HttpOptions DEFAULTS = HttpOptions.DEFAULTS;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The same messages whole, at every single split point, and byte by byte. */
    private static ParseRecorder sameAtEverySplit(String input, HttpOptions options) {
        byte[] in = bytes(input);
        ParseRecorder whole = ParseRecorder.run(in, new int[0], options);
        for (int cut = 1; cut < in.length; cut++) {
            assertEquals(whole.describe(), ParseRecorder.run(in, new int[] {cut}, options).describe(), "cut at " + cut);
        }
        int[] each = new int[in.length - 1];
        for (int i = 0; i < each.length; i++) {
            each[i] = i + 1;
        }
        assertEquals(whole.describe(), ParseRecorder.run(in, each, options).describe(), "byte by byte");
        return whole;
    }

    @ValueSource(strings = {
        "GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip-not, chunked\r\n\r\n",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d;\\\"e\"\r\nhello\r\n"
                + "6 ; x\r\n world\r\n0\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"
                + "\r\nGET /3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://example.com:8080/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-Obs: caf\u00e9\t \r\nX-Empty:\r\n\r\n"})
    @ParameterizedTest
    void everySplitOfARequestParsesTheSame(String request) {
        ParseRecorder result = sameAtEverySplit(request, DEFAULTS);
        if (request.contains("gzip-not")) {
            assertNotNull(result.error);
            assertEquals(501, result.error.status());
            return;
        }
        assertNull(result.error, result.describe());
        assertTrue(result.messages.stream().allMatch(m -> m.complete), result.describe());
    }

    @Test
    void chunkedBodyAndTrailersAreReported() {
        ParseRecorder r = sameAtEverySplit("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\n\r\n", DEFAULTS);
        LlhttpCorpus.Message m = r.messages.get(0);
        assertEquals("hello world", new String(m.body.toByteArray(), StandardCharsets.US_ASCII));
        assertEquals("Checksum", m.trailers.get(0)[0]);
        assertEquals("abc", m.trailers.get(0)[1]);
    }

    /**
     * The connection decides at the head whether to invite the body (an interim 100 only once
     * the input is drained) and where the next pipelined request starts, from the position of
     * its input buffer: the parser reads lines from a copy of the input, yet each head, body
     * and completion must see the buffer positioned right after what it has used. A direct
     * buffer, as the event loop reads into; a head longer than the parser's copy window.
     */
    @Test
    void everyCallbackSeesTheInputPositionedRightAfterWhatWasParsed() {
        String first = "POST /upload HTTP/1.1\r\nHost: x\r\nX-Long: " + "v".repeat(300)
                + "\r\nContent-Length: 3\r\n\r\n";
        String second = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
        byte[] all = bytes(first + "abc" + second);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocateDirect(all.length);
        in.put(all).flip();
        java.util.List<String> seen = new java.util.ArrayList<>();
        RequestSink sink = new RequestSink() {
            @Override
            public void onHead(RequestHead head) {
                seen.add("head " + head.target() + " at " + in.position());
            }

            @Override
            public void onBody(java.nio.ByteBuffer data) {
                seen.add("body at " + in.position());
            }

            @Override
            public void onComplete(dev.ranch.http.Headers trailers) {
                seen.add("complete at " + in.position());
            }
        };
        RequestParser parser = new RequestParser(DEFAULTS);
        assertTrue(parser.parse(in, sink));
        assertEquals(first.length() + 3, in.position(), "the first parse stops right after its message");
        assertTrue(parser.parse(in, sink));
        int bodyAt = first.length();
        assertEquals(java.util.List.of(
                "head /upload at " + bodyAt,
                "body at " + bodyAt,
                "complete at " + (bodyAt + 3),
                "head /next at " + all.length,
                "complete at " + all.length), seen);
    }

    @Test
    void fieldValuesLoseSurroundingWhitespaceOnly() {
        ParseRecorder r = sameAtEverySplit("GET / HTTP/1.1\r\nHost: x\r\nA: \t b  c \t\r\n\r\n", DEFAULTS);
        assertEquals("b  c", r.messages.get(0).headers.get(1)[1]);
    }

    @Test
    void requestLineExactlyAtTheLimitPassesAndOneMoreByteIs414() {
        HttpOptions options = HttpOptions.builder().maxRequestLine(64).build();
        String prefix = "GET /";
        String suffix = " HTTP/1.1\r\n";
        String atLimit = prefix + "a".repeat(64 - prefix.length() - suffix.length()) + suffix;
        assertEquals(64, atLimit.length());
        assertNull(ParseRecorder.run(bytes(atLimit + "Host: x\r\n\r\n"), new int[0], options).error);
        String over = prefix + "a".repeat(65 - prefix.length() - suffix.length()) + suffix;
        assertEquals(414, ParseRecorder.run(bytes(over + "Host: x\r\n\r\n"), new int[0], options).error.status());
    }

    /** The method and the version are read in runs too; their bytes count against the limit as the target's do. */
    @ValueSource(strings = {"method", "version"})
    @ParameterizedTest
    void requestLineLimitCountsTheMethodAndTheVersionAtEverySplit(String longPart) {
        HttpOptions options = HttpOptions.builder().maxRequestLine(64).build();
        String target = " /t ";
        String version = "HTTP/1.1\r\n";
        String fields = "Host: x\r\n\r\n";
        if (longPart.equals("method")) {
            String atLimit = "M".repeat(64 - target.length() - version.length()) + target + version;
            assertEquals(64, atLimit.length());
            assertNull(sameAtEverySplit(atLimit + fields, options).error);
            String over = "M" + atLimit;
            assertEquals(414, sameAtEverySplit(over + fields, options).error.status());
        } else {
            // 62 bytes reach the version's sixth byte: the limit of 60 falls inside the version.
            String line = "GET /" + "a".repeat(64 - 5 - 1 - version.length()) + " " + version;
            assertEquals(64, line.length());
            HttpOptions tight = HttpOptions.builder().maxRequestLine(60).build();
            ParseRecorder r = sameAtEverySplit(line + fields, tight);
            assertEquals(414, r.error.status(), r.describe());
            assertNull(sameAtEverySplit(line + fields, options).error);
        }
    }

    @Test
    void aRepeatedHostValueIsAcceptedAndADifferentBadOneIsStillRefused() {
        String good = "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n";
        String bad = "GET / HTTP/1.1\r\nHost: a.example:80800\r\n\r\n";
        ParseRecorder r = sameAtEverySplit(good + good + bad + good, DEFAULTS);
        assertEquals(2, r.messages.stream().filter(m -> m.complete).count(), r.describe());
        assertNotNull(r.error, r.describe());
        assertEquals(400, r.error.status());
    }

    @Test
    void headerSectionExactlyAtTheByteLimitPassesAndOneMoreIs431AtEverySplit() {
        HttpOptions options = HttpOptions.builder().maxHeaderBytes(64).build();
        String atLimit = "GET / HTTP/1.0\r\nA: " + "b".repeat(64 - 3 - 2 - 2) + "\r\n\r\n";
        assertNull(sameAtEverySplit(atLimit, options).error);
        String over = "GET / HTTP/1.0\r\nA: " + "b".repeat(64 - 3 - 2 - 2 + 1) + "\r\n\r\n";
        assertEquals(431, sameAtEverySplit(over, options).error.status());
    }

    @Test
    void headerCountAtTheLimitPassesAndOneMoreIs431() {
        HttpOptions options = HttpOptions.builder().maxHeaders(3).build();
        assertNull(ParseRecorder.run(bytes("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n"), new int[0], options)
                .error);
        assertEquals(431, ParseRecorder.run(bytes("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
                new int[0], options).error.status());
    }

    @Test
    void bodyExactlyAtTheLimitPassesAndOneMoreByteIs413() {
        HttpOptions options = HttpOptions.builder().maxBodySize(4).build();
        assertNull(ParseRecorder.run(bytes("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd"), new int[0], options)
                .error);
        assertEquals(413, ParseRecorder.run(bytes("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde"), new int[0],
                options).error.status());
        assertEquals(413, ParseRecorder.run(bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"), new int[0], options).error.status());
    }

    /** One chunk whose extension is {@code shape} padded to exactly {@code bytes} bytes (";" to CR). */
    private static String chunkWithExtension(String shape, int bytes) {
        int quoted = shape.endsWith("\"") ? 1 : 0;
        String extension = shape + "x".repeat(bytes - shape.length() - quoted) + "\"".repeat(quoted);
        assertEquals(bytes, extension.length());
        return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5" + extension + "\r\nhello\r\n0\r\n\r\n";
    }

    @ValueSource(strings = {";", ";n=", ";n=\"", " ;\tn", ";a;b=c;"})
    @ParameterizedTest
    void chunkExtensionOfExactlyTheDefaultLimitPassesAtEverySplit(String shape) {
        ParseRecorder r = sameAtEverySplit(chunkWithExtension(shape, 1024), DEFAULTS);
        assertNull(r.error, r.describe());
        assertEquals("hello", new String(r.messages.get(0).body.toByteArray(), StandardCharsets.US_ASCII));
    }

    @ValueSource(strings = {";", ";n=", ";n=\"", " ;\tn", ";a;b=c;"})
    @ParameterizedTest
    void chunkExtensionOneByteOverTheDefaultLimitIs400AtEverySplit(String shape) {
        ParseRecorder r = sameAtEverySplit(chunkWithExtension(shape, 1025), DEFAULTS);
        assertNotNull(r.error, r.describe());
        assertEquals(400, r.error.status());
        assertTrue(r.error.getMessage().contains("chunk extensions"), r.error.getMessage());
    }

    @Test
    void leadingZerosOfTheChunkSizeDoNotCountAgainstTheExtensionLimit() {
        String head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        String extension = ";" + "x".repeat(1023);
        ParseRecorder r = ParseRecorder.run(bytes(head + "0".repeat(31) + "5" + extension + "\r\nhello\r\n0\r\n\r\n"),
                new int[0], DEFAULTS);
        assertNull(r.error, r.describe());
        // RFC 9112 section 7.1: a size is still bounded, apart from its extensions.
        ParseRecorder tooLong = ParseRecorder.run(bytes(head + "0".repeat(32) + "5\r\nhello\r\n0\r\n\r\n"),
                new int[0], DEFAULTS);
        assertEquals(400, tooLong.error.status());
    }

    @Test
    void chunkExtensionsBeyondTheLimitAre400() {
        HttpOptions options = HttpOptions.builder().maxChunkExtensionBytes(8).build();
        String head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertNull(ParseRecorder.run(bytes(head + "1;a=b\r\nx\r\n0\r\n\r\n"), new int[0], options).error);
        assertEquals(400, ParseRecorder.run(bytes(head + "1;" + "a".repeat(60) + "\r\nx\r\n0\r\n\r\n"), new int[0],
                options).error.status());
    }

    @Test
    void identicalContentLengthValuesAreAccepted() {
        ParseRecorder r = ParseRecorder.run(bytes("POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab"),
                new int[0], DEFAULTS);
        assertNull(r.error, r.describe());
        assertEquals("ab", new String(r.messages.get(0).body.toByteArray(), StandardCharsets.US_ASCII));
    }

    @Test
    void smugglingPairIsRefusedAsSoonAsTheSecondFieldEnds() {
        // No end of head yet: the refusal must not wait for it.
        ParseRecorder r = ParseRecorder.run(bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"),
                new int[0], DEFAULTS);
        assertNotNull(r.error);
        assertEquals(400, r.error.status());
    }
}
