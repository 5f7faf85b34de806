package dev.ranch.http.internal.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every status line the server writes carries its registered reason phrase. The oracle is the
 * status tables of RFC 9110 section 15 and RFC 6585; the codes the server emits are read from
 * ranch-http's own sources, so a new {@code reject(4xx)} without a phrase fails here.
 */
class HttpStatusTest {

    /** RFC 9110 sections 15.2 to 15.6, and RFC 6585 sections 3 to 6. */
    private static final Map<Integer, String> REGISTERED = new TreeMap<>(Map.ofEntries(
            Map.entry(100, "Continue"), Map.entry(101, "Switching Protocols"),
            Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"),
            Map.entry(203, "Non-Authoritative Information"), Map.entry(204, "No Content"),
            Map.entry(205, "Reset Content"), Map.entry(206, "Partial Content"),
            Map.entry(300, "Multiple Choices"), Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"),
            Map.entry(303, "See Other"), Map.entry(304, "Not Modified"), Map.entry(305, "Use Proxy"),
            Map.entry(307, "Temporary Redirect"), Map.entry(308, "Permanent Redirect"),
            Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(402, "Payment Required"),
            Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
            Map.entry(406, "Not Acceptable"), Map.entry(407, "Proxy Authentication Required"),
            Map.entry(408, "Request Timeout"), Map.entry(409, "Conflict"), Map.entry(410, "Gone"),
            Map.entry(411, "Length Required"), Map.entry(412, "Precondition Failed"),
            Map.entry(413, "Content Too Large"), Map.entry(414, "URI Too Long"),
            Map.entry(415, "Unsupported Media Type"), Map.entry(416, "Range Not Satisfiable"),
            Map.entry(417, "Expectation Failed"), Map.entry(421, "Misdirected Request"),
            Map.entry(422, "Unprocessable Content"), Map.entry(426, "Upgrade Required"),
            Map.entry(428, "Precondition Required"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"),
            Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"),
            Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"), Map.entry(505, "HTTP Version Not Supported"),
            Map.entry(511, "Network Authentication Required")));

    /** Where a status code is chosen in the sources: the calls and fields that end up on a status line. */
    private static final Pattern CHOSEN = Pattern.compile(
            "(?:HttpParseException\\(|\\.status\\(|refuse\\(response, |reject\\(|writeError\\(response, "
                    + "|_FOUND\\(|_ALLOWED\\(|refusal = )(\\d{3})\\b");
    /** Status lines written out literally, bypassing {@link HttpStatus}. */
    private static final Pattern LITERAL_LINE =
            Pattern.compile("HTTP/1\\.1 (\\d{3}) ([^\\\\\"]*)\\\\r\\\\n");

    @Test
    void everyRegisteredStatusHasItsRfcReasonPhrase() {
        REGISTERED.forEach((status, phrase) -> {
            assertEquals(phrase, HttpStatus.reason(status), "reason of " + status);
            assertEquals("HTTP/1.1 " + status + " " + phrase + "\r\n",
                    new String(HttpStatus.line(status), StandardCharsets.US_ASCII), "status line of " + status);
        });
    }

    @Test
    void everyStatusTheServerEmitsHasItsRfcReasonPhrase() throws IOException {
        TreeSet<Integer> emitted = new TreeSet<>();
        Map<Integer, String> literal = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                String source = Files.readString(file);
                Matcher chosen = CHOSEN.matcher(source);
                while (chosen.find()) {
                    emitted.add(Integer.parseInt(chosen.group(1)));
                }
                Matcher line = LITERAL_LINE.matcher(source);
                while (line.find()) {
                    literal.put(Integer.parseInt(line.group(1)), line.group(2));
                }
            }
        }
        // The scan must find the rejections it exists for, or it proves nothing.
        assertTrue(emitted.containsAll(Set.of(400, 408, 413, 426, 431, 503)), "found " + emitted);
        assertTrue(literal.containsKey(101), "found literal status lines " + literal);
        for (int status : emitted) {
            assertTrue(REGISTERED.containsKey(status), status + " is emitted but registered by no RFC");
            assertEquals("HTTP/1.1 " + status + " " + REGISTERED.get(status) + "\r\n",
                    new String(HttpStatus.line(status), StandardCharsets.US_ASCII), "status line of " + status);
        }
        literal.forEach((status, phrase) -> assertEquals(REGISTERED.get(status), phrase, "literal " + status));
    }

    @Test
    void anUnregisteredStatusStillHasAWellFormedLine() {
        // RFC 9112 section 4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
        assertEquals("HTTP/1.1 299 \r\n", new String(HttpStatus.line(299), StandardCharsets.US_ASCII));
    }
}
