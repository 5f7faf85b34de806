package dev.ranch.http.files;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class StaticFilesTest {

    @TempDir
    static Path dir;
    private static Ranch ranch;
    private static Listener listener;

    @BeforeAll
    static void start() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("index.html"), "<h1>hi</h1>");
        Files.writeString(root.resolve("digits.txt"), "0123456789");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/data.json"), "{}");
        Files.writeString(dir.resolve("secret.txt"), "do not serve");
        Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("secret.txt"));
        ranch = Ranch.builder().eventLoops(1).build();
        listener = HttpServer.start(ranch, "files",
                ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).build(),
                Router.builder().route("/static/[...]", StaticFiles.handler(root)).build(), HttpOptions.DEFAULTS);
    }

    @AfterAll
    static void stop() {
        ranch.close();
    }

    /** One request on its own connection; returns status, lower-case headers and body under "body". */
    private static Map<String, String> request(String method, String target, String... headers) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            socket.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = all.indexOf("\r\n\r\n");
            Map<String, String> result = new LinkedHashMap<>();
            String[] lines = all.substring(0, end).split("\r\n");
            result.put("status", lines[0].substring(9, 12));
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                result.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            result.put("body", all.substring(end + 4));
            return result;
        }
    }

    @Test
    void servesAFileWithTypeLengthAndValidators() throws IOException {
        Map<String, String> r = request("GET", "/static/index.html");
        assertEquals("200", r.get("status"));
        assertEquals("<h1>hi</h1>", r.get("body"));
        assertEquals("text/html; charset=utf-8", r.get("content-type"));
        assertEquals("11", r.get("content-length"));
        assertNotNull(r.get("last-modified"));
        assertNotNull(r.get("etag"));
        assertEquals("application/json", request("GET", "/static/sub/data.json").get("content-type"));
    }

    @Test
    void aFileLargerThanTheOldInMemoryLimitIsSentWholeAndARangeOfItExactly() throws IOException {
        // 70 MiB: the handler once read files into the heap and refused anything over 64 MiB.
        Path big = dir.resolve("root/big.bin");
        byte[] pattern = new byte[1 << 20];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 70; i++) {
                pattern[0] = (byte) i;  // every mebibyte differs, so an out-of-order part would show
                out.write(pattern);
            }
        }
        byte[] expected = Files.readAllBytes(big);
        Map<String, String> whole = request("GET", "/static/big.bin");
        assertEquals("200", whole.get("status"));
        assertEquals(Long.toString(expected.length), whole.get("content-length"));
        assertArrayEquals(expected, whole.get("body").getBytes(StandardCharsets.ISO_8859_1));

        int from = 69 * (1 << 20) - 5;
        int to = 69 * (1 << 20) + 4;
        Map<String, String> part = request("GET", "/static/big.bin", "Range: bytes=" + from + "-" + to);
        assertEquals("206", part.get("status"));
        assertArrayEquals(Arrays.copyOfRange(expected, from, to + 1), part.get("body").getBytes(StandardCharsets.ISO_8859_1));
        Files.delete(big);
    }

    @Test
    void headHasTheLengthAndNoBody() throws IOException {
        Map<String, String> r = request("HEAD", "/static/digits.txt");
        assertEquals("200", r.get("status"));
        assertEquals("10", r.get("content-length"));
        assertEquals("", r.get("body"));
    }

    @Test
    void matchingEtagOrDateGives304() throws IOException {
        Map<String, String> first = request("GET", "/static/digits.txt");
        assertEquals("304", request("GET", "/static/digits.txt", "If-None-Match: " + first.get("etag")).get("status"));
        assertEquals("304", request("GET", "/static/digits.txt",
                "If-Modified-Since: " + first.get("last-modified")).get("status"));
        assertEquals("200", request("GET", "/static/digits.txt", "If-None-Match: \"other\"").get("status"));
        assertEquals("200", request("GET", "/static/digits.txt",
                "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT").get("status"));
    }

    @Test
    void singleByteRangesGive206AndUnsatisfiableOnes416() throws IOException {
        Map<String, String> r = request("GET", "/static/digits.txt", "Range: bytes=2-4");
        assertEquals("206", r.get("status"));
        assertEquals("234", r.get("body"));
        assertEquals("bytes 2-4/10", r.get("content-range"));
        assertEquals("789", request("GET", "/static/digits.txt", "Range: bytes=-3").get("body"));
        assertEquals("89", request("GET", "/static/digits.txt", "Range: bytes=8-").get("body"));
        Map<String, String> bad = request("GET", "/static/digits.txt", "Range: bytes=20-30");
        assertEquals("416", bad.get("status"));
        assertEquals("bytes */10", bad.get("content-range"));
        assertEquals("200", request("GET", "/static/digits.txt", "Range: bytes=0-1,3-4").get("status"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/%2E%2E%2Fsecret.txt",
        "/static/sub/../../secret.txt", "/static/..%5csecret.txt", "/static/escape.txt", "/static/sub",
        "/static/missing.txt", "/static/index.html%00.txt", "/static/./index.html/.."})
    void nothingOutsideTheRootNorDirectoriesNorMissingFilesIsServed(String target) throws IOException {
        Map<String, String> r = request("GET", target);
        assertEquals("404", r.get("status"), target + " -> " + r);
    }
}
