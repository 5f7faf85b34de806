package dev.ranch.http.internal.parse;

import dev.ranch.http.HttpOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Replays llhttp's request corpus (strict {@code type: "request"} cases) against the parser
 * with default options: whole, split at every byte boundary, and one byte at a time. A valid
 * case must give the same messages (method, target, version, fields, body); an invalid one
 * must be rejected, by the parser or, for data after {@code Connection: close}, by the server
 * stopping there. Exceptions are skipped by name below, each with its reason.
 */
class LlhttpConformanceTest {

    /** Cases where ranch-http deliberately differs from llhttp or that do not apply to a server. */
    static final Map<String, String> SKIPPED = new LinkedHashMap<>();

    static {
        String pause = "llhttp pauses for CONNECT/Upgrade so its user can take over the socket; an HTTP/1.1 "
                + "server answers such requests itself (no tunnels, no upgrade yet)";
        for (String title : new String[] {"Setting a flag and pausing", "Emitting part of body and pausing",
            "Upgrade GET request", "Upgrade POST request", "Multiple tokens with folding and LWS",
            "CONNECT request", "CONNECT request with CAPS", "CONNECT with body", "PRI request HTTP2"}) {
            SKIPPED.put(title, pause);
        }
        String rtsp = "RTSP and ICE are not HTTP; llhttp's method tables per protocol do not apply, and "
                + "ranch-http answers any version but HTTP/1.0 and HTTP/1.1 with 505";
        for (String title : new String[] {"ICE protocol and GET method", "RTSP protocol and PUT method",
            "SOURCE request with ICE", "OPTIONS request with RTSP", "ANNOUNCE request with RTSP"}) {
            SKIPPED.put(title, rtsp);
        }
        SKIPPED.put("HTTP protocol and ANNOUNCE method", "RFC 9110 section 9.1: a method is any token; llhttp "
                + "restricts methods to its table. ranch-http parses the token and the router answers 405/501");
        SKIPPED.put("Invalid method", "RFC 9110 section 9.1: a method is any token, so MKCOLA parses; llhttp "
                + "restricts methods to its table. ranch-http's router answers unknown methods with 405/501");
        SKIPPED.put("M-SEARCH request", "SSDP over HTTPU, not HTTP: RFC 9112 section 3.2.4 allows the asterisk-form "
                + "only for OPTIONS, so ranch-http answers 400");
        SKIPPED.put("Underscore in hostname", pause);
        SKIPPED.put("Content-Length reset when no body is received", "meta skipBody: llhttp's on_headers_complete "
                + "callback tells the parser to skip the body, an llhttp callback feature with no server equivalent");
        String codings = "ranch-http implements only the chunked transfer coding; RFC 9112 section 6.1 has a server "
                + "answer a coding it does not understand with 501, and so it does (llhttp passes the body through)";
        SKIPPED.put("POST with `chunked` as last transfer-encoding", codings);
        SKIPPED.put("POST with `chunked` as last transfer-encoding (multiple headers)", codings);
        SKIPPED.put("`host:port` and basic auth", "RFC 9110 section 4.2.4: a recipient should treat userinfo in an "
                + "http URI as an error (it carried credentials and phishing tricks); ranch-http answers 400, llhttp "
                + "passes it through");
        SKIPPED.put("No HTTP version", "llhttp accepts an HTTP/0.9 simple request; ranch-http rejects it with 400 "
                + "(RFC 9112 section 3 requires the version; Jetty CVE-2017-7656 came from accepting it)");
    }

    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger SKIPPED_COUNT = new AtomicInteger();
    private static final AtomicInteger NOT_STRICT = new AtomicInteger();

    @TestFactory
    List<DynamicTest> strictCasesAgreeWithLlhttp() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LlhttpCorpus.Case c : LlhttpCorpus.load()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        }
        return tests;
    }

    private static void check(LlhttpCorpus.Case c) {
        if (!c.type.equals("request")) {
            NOT_STRICT.incrementAndGet();
            assumeTrue(false, "type '" + c.type + "' exercises an llhttp option other than the strict default");
        }
        String reason = SKIPPED.get(c.title);
        if (reason != null) {
            SKIPPED_COUNT.incrementAndGet();
            assumeTrue(false, reason);
        }
        if (c.input == null) {
            SKIPPED_COUNT.incrementAndGet();
            assumeTrue(false, "the raw request is inline JavaScript");
        }
        ParseRecorder whole = ParseRecorder.run(c.input, new int[0], HttpOptions.DEFAULTS);
        agrees(c, whole);
        for (int cut = 1; cut < c.input.length; cut++) {
            sameResult(c, whole, ParseRecorder.run(c.input, new int[] {cut}, HttpOptions.DEFAULTS), "split at " + cut);
        }
        int[] everyByte = new int[Math.max(0, c.input.length - 1)];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        sameResult(c, whole, ParseRecorder.run(c.input, everyByte, HttpOptions.DEFAULTS), "one byte at a time");
        PASSED.incrementAndGet();
    }

    private static void agrees(LlhttpCorpus.Case c, ParseRecorder ours) {
        LlhttpCorpus.Expected expected = c.expected;
        String context = c.name() + "\ninput: " + printable(c.input) + "\nours: " + ours.describe();
        if (expected.errorCode != null) {
            boolean closeStop = expected.errorReason.startsWith("Data after `Connection: close`");
            if (closeStop) {
                assertTrue(ours.stoppedAfterClose || ours.error != null, "expected the server to stop: " + context);
            } else {
                assertNotNull(ours.error, "expected a rejection (llhttp: " + expected.errorReason + "): " + context);
                int status = ours.error.status();
                assertTrue(status >= 400 && status < 600, context);
            }
            // Messages llhttp completed before the error must be ours too.
            for (int i = 0; i < expected.messages.size(); i++) {
                if (expected.messages.get(i).complete) {
                    assertTrue(i < ours.messages.size(), "missing message " + i + ": " + context);
                    sameMessage(expected.messages.get(i), ours.messages.get(i), context);
                }
            }
            return;
        }
        assertNull(ours.error, "expected a valid request: " + context);
        assertFalse(ours.stoppedAfterClose, "stopped early: " + context);
        List<LlhttpCorpus.Message> theirs = new ArrayList<>();
        for (LlhttpCorpus.Message m : expected.messages) {
            if (m.headComplete) {
                theirs.add(m);
            }
        }
        assertEquals(theirs.size(), ours.messages.size(), "message count: " + context);
        for (int i = 0; i < theirs.size(); i++) {
            sameMessage(theirs.get(i), ours.messages.get(i), context);
        }
    }

    private static void sameMessage(LlhttpCorpus.Message theirs, LlhttpCorpus.Message ours, String context) {
        assertEquals(theirs.method.toString(), ours.method.toString(), "method: " + context);
        assertEquals(theirs.url.toString(), ours.url.toString(), "target: " + context);
        assertEquals(theirs.version, ours.version, "version: " + context);
        assertEquals(fields(theirs.headers), fields(ours.headers), "headers: " + context);
        assertEquals(fields(theirs.trailers), fields(ours.trailers), "trailers: " + context);
        assertEquals(new String(theirs.body.toByteArray(), StandardCharsets.ISO_8859_1),
                new String(ours.body.toByteArray(), StandardCharsets.ISO_8859_1), "body: " + context);
        assertEquals(theirs.complete, ours.complete, "complete: " + context);
    }

    /** Values compared without trailing whitespace: RFC 9112 section 5.1 makes it no part of the value. */
    private static List<String> fields(List<String[]> list) {
        List<String> out = new ArrayList<>();
        for (String[] f : list) {
            out.add(f[0] + ": " + f[1].replaceAll("[ \t]+$", ""));
        }
        return out;
    }

    private static void sameResult(LlhttpCorpus.Case c, ParseRecorder whole, ParseRecorder split, String how) {
        if (!whole.describe().equals(split.describe())) {
            fail(c.name() + " " + how + " differs\nwhole: " + whole.describe() + "\nsplit: " + split.describe());
        }
    }

    static String printable(byte[] input) {
        StringBuilder sb = new StringBuilder();
        for (byte b : input) {
            int c = b & 0xff;
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c >= 0x7f) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Test
    void corpusIsPresentAndHasStrictCases() {
        long strict = LlhttpCorpus.load().stream().filter(c -> c.type.equals("request")).count();
        assertTrue(strict > 100, "strict cases: " + strict);
    }

    @AfterAll
    static void summary() {
        System.out.printf("llhttp conformance: %d strict cases agree, %d skipped by name, %d not strict mode%n",
                PASSED.get(), SKIPPED_COUNT.get(), NOT_STRICT.get());
    }
}
