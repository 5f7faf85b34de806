package dev.ranch.http.internal.parse;

import dev.ranch.http.HttpOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The authority syntax of RFC 3986 sections 3.2.2 and 3.2.3 as HTTP uses it: in Host (RFC 9110
 * section 7.2), in absolute-form targets (RFC 9112 section 3.2.2) and in CONNECT's
 * authority-form (RFC 9112 section 3.2.3).
 */
class AuthorityTest {

    private static void check(String authority, Authority.Need need) {
        byte[] b = authority.getBytes(StandardCharsets.ISO_8859_1);
        Authority.check(b, 0, b.length, need);
    }

    private static ParseRecorder parse(String request) {
        return ParseRecorder.run(request.getBytes(StandardCharsets.ISO_8859_1), new int[0], HttpOptions.DEFAULTS);
    }

    @ValueSource(strings = {"example.com", "example.com:8080", "EXAMPLE.com:", "[::1]:80", "[::1]", "[::1]:", "127.0.0.1",
        "127.0.0.1:65535", "x:0", "x:00080", "caf%C3%A9.example", "a!$&'()*+,;=b.example", "under_score~-.x",
        "[2001:db8::8:800:200c:417a]", "[1:2:3:4:5:6:7:8]", "[1::]", "[::]", "[1:2:3:4:5:6:7::]",
        "[::ffff:192.0.2.128]", "[64:ff9b::192.0.2.33]:443", "[v1.fe80::a+en1]", "[V7.x]", "999.999.999.999"})
    @ParameterizedTest
    void validHostValuesPass(String host) {
        assertDoesNotThrow(() -> check(host, Authority.Need.HOST_FIELD), host);
        ParseRecorder r = parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertNull(r.error, r.describe());
    }

    @ValueSource(strings = {"a b", "user@x", "user:pw@x", "@x", "x:99999999999", "x:65536", "[::1", "[::1]x",
        "x:8a", "x:-1", ":80", "x:80:81", "a/b", "a?b", "a#b", "%zz.example", "a%4", "caf\u00e9", "a\"b",
        "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1::2::3]", "[:1::]", "[12345::]", "[::1.2.3]", "[::1.2.3.256]",
        "[::01.2.3.4]", "[1.2.3.4]", "[v.x]", "[vz.x]", "[v1.]", "[]", "[::g]", "[fe80::1%25en0]", "<x>", "a\\b"})
    @ParameterizedTest
    void invalidHostValuesAre400(String host) {
        HttpParseException e = assertThrows(HttpParseException.class, () -> check(host, Authority.Need.HOST_FIELD),
                host);
        assertEquals(400, e.status());
        ParseRecorder r = parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertNotNull(r.error, host);
        assertEquals(400, r.error.status(), host);
    }

    @ValueSource(strings = {"GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET / HTTP/1.1\r\nHost: \t\r\n\r\n",
        "GET urn:isbn:0451450523 HTTP/1.1\r\nHost:\r\n\r\n"})
    @ParameterizedTest
    void emptyHostIsAllowedAsRfc9112Section32Says(String request) {
        ParseRecorder r = parse(request);
        assertNull(r.error, r.describe());
    }

    @ValueSource(strings = {"http://example.com/x", "HTTP://example.com:8080/x?y", "https://[::1]:443",
        "http://a.example?q", "http://a.example#f", "ws://example.com/chat", "foo://?x", "urn:isbn:0451450523",
        "mailto:a@b.example"})
    @ParameterizedTest
    void validAbsoluteFormTargetsPass(String target) {
        ParseRecorder r = parse("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertNull(r.error, r.describe());
    }

    @ValueSource(strings = {"http://user@example.com/", "http://u:p@example.com/", "http:///x", "http://:80/",
        "http://example.com:99999/", "http://[::1/", "http:example.com/x", "https:/example.com",
        "ws://a@b/", "http://a%/"})
    @ParameterizedTest
    void absoluteFormTargetsWithAnInvalidAuthorityAre400(String target) {
        ParseRecorder r = parse("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertNotNull(r.error, target);
        assertEquals(400, r.error.status(), target);
    }

    @ValueSource(strings = {"example.com:443", "[::1]:8443", "127.0.0.1:1"})
    @ParameterizedTest
    void connectTargetsWithHostAndPortPass(String target) {
        ParseRecorder r = parse("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
        assertNull(r.error, r.describe());
    }

    @ValueSource(strings = {"example.com", "example.com:", ":443", "u@example.com:443", "example.com:70000",
        "/x:1"})
    @ParameterizedTest
    void connectTargetsWithoutAValidHostAndPortAre400(String target) {
        ParseRecorder r = parse("CONNECT " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertNotNull(r.error, target);
        assertEquals(400, r.error.status(), target);
    }
}
