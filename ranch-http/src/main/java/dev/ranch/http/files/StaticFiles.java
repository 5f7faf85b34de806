package dev.ranch.http.files;

import dev.ranch.http.HttpHandler;
import dev.ranch.http.Request;
import dev.ranch.http.Response;
import dev.ranch.http.Urls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Serves the files under one directory: content types by extension, Content-Length,
 * Last-Modified / If-Modified-Since and ETag / If-None-Match (304), HEAD, and single byte
 * ranges (206, 416). Route it with a trailing wildcard, {@code route("/static/[...]",
 * StaticFiles.handler(root))}: the wildcard's match is the file's path under the root.
 *
 * <p>Nothing outside the root is ever served: {@code .} and {@code ..} segments (encoded
 * or not), backslashes, NUL, and symbolic links that lead out of the root all answer 404, as
 * do directories and missing files. Bodies go out with {@link Response#sendFile}: on plain
 * TCP the kernel copies them ({@code sendfile(2)}), so a file of any size costs no heap.
 * Opening the file and reading its attributes happen on the calling thread, so wrap the
 * handler with {@link HttpHandler#blocking} when the disk may be slow.
 */
public final class StaticFiles implements HttpHandler {

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("xml", "application/xml"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("wasm", "application/wasm"),
            Map.entry("pdf", "application/pdf"), Map.entry("woff2", "font/woff2"), Map.entry("woff", "font/woff"));

    private final Path root;

    private StaticFiles(Path root) {
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("static files root " + root + " is not readable", e);
        }
        if (!Files.isDirectory(this.root)) {
            throw new IllegalArgumentException("static files root is not a directory: " + root);
        }
    }

    /** A handler serving the files under {@code root}. */
    public static StaticFiles handler(Path root) {
        return new StaticFiles(Objects.requireNonNull(root, "root"));
    }

    @Override
    public void handle(Request request, Response response) throws IOException {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            response.status(405).header("Allow", "GET, HEAD").send("405 Method Not Allowed\n");
            return;
        }
        Path file = resolve(request.pathInfo() != null ? request.pathInfo() : request.path());
        BasicFileAttributes attributes = file == null ? null : attributes(file);
        if (attributes == null || !attributes.isRegularFile()) {
            response.status(404).send("404 Not Found\n");
            return;
        }
        long size = attributes.size();
        long modified = attributes.lastModifiedTime().toInstant().getEpochSecond();
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified) + "\"";
        response.header("Last-Modified", HTTP_DATE.format(Instant.ofEpochSecond(modified)));
        response.header("ETag", etag);
        response.header("Accept-Ranges", "bytes");
        response.header("Content-Type", contentType(file));
        if (notModified(request, etag, modified)) {
            response.status(304).end();
            return;
        }
        long[] range = range(request.header("range"), size, etag, modified, request.header("if-range"));
        if (range != null && range[0] < 0) {
            // RFC 9110 section 15.5.17: 416 with the current length.
            response.status(416).header("Content-Range", "bytes */" + size).send(new byte[0]);
            return;
        }
        long from = range == null ? 0 : range[0];
        long length = range == null ? size : range[1] - range[0] + 1;
        if (range != null) {
            response.status(206).header("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
        }
        response.sendFile(file, from, length);
    }

    /** The file for an encoded path under the root, or null if it would leave the root. */
    Path resolve(String encodedPath) {
        String decoded = Urls.decode(encodedPath, false);
        if (decoded.indexOf('\0') >= 0 || decoded.indexOf('\\') >= 0) {
            return null;
        }
        Path file = root;
        for (String segment : decoded.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.equals(".") || segment.equals("..")) {
                return null;  // never walk up, whether the dots came encoded or not
            }
            file = file.resolve(segment);
        }
        if (!file.normalize().startsWith(root)) {
            return null;
        }
        try {
            Path real = file.toRealPath();
            return real.startsWith(root) ? real : null;  // a symbolic link out of the root
        } catch (IOException e) {
            return null;
        }
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean notModified(Request request, String etag, long modified) {
        String noneMatch = request.header("if-none-match");
        if (noneMatch != null) {
            // RFC 9110 section 13.1.2: weak comparison; If-None-Match wins over If-Modified-Since.
            for (String tag : noneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                    return true;
                }
            }
            return false;
        }
        Long since = parseDate(request.header("if-modified-since"));
        return since != null && modified <= since;
    }

    /**
     * A single byte range (RFC 9110 section 14.1.2): null to serve the whole file, {-1, -1}
     * when it cannot be satisfied, otherwise {first, last}.
     */
    private static long[] range(String header, long size, String etag, long modified, String ifRange) {
        if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return null;  // absent, another unit, or several ranges: the whole file (allowed)
        }
        if (ifRange != null && !ifRange.equals(etag)) {
            Long date = parseDate(ifRange);
            if (date == null || modified > date) {
                return null;  // RFC 9110 section 13.1.5: the representation changed
            }
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            long first;
            long last;
            if (dash == 0) {
                long suffix = Long.parseLong(spec.substring(1));
                if (suffix <= 0) {
                    return new long[] {-1, -1};
                }
                first = Math.max(0, size - suffix);
                last = size - 1;
            } else {
                first = Long.parseLong(spec.substring(0, dash));
                last = dash == spec.length() - 1 ? size - 1 : Math.min(size - 1, Long.parseLong(spec.substring(dash + 1)));
                if (last < first) {
                    return first >= size ? new long[] {-1, -1} : null;
                }
            }
            if (first >= size || size == 0) {
                return new long[] {-1, -1};
            }
            return new long[] {first, last};
        } catch (NumberFormatException e) {
            return null;  // an invalid range is ignored (RFC 9110 section 14.2)
        }
    }

    private static Long parseDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type == null ? "application/octet-stream" : type;
    }
}
