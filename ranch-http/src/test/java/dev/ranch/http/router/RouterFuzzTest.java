package dev.ranch.http.router;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.Urls;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of route matching and percent-decoding (docs/fuzzing.md).
 *
 * <p>{@link #routerMatchesLikeASegmentBySegmentReading}: the input is lines of instructions
 * ({@code h PATTERN}, {@code r METHOD|* PATH}, {@code m METHOD HOST PATH}), so the seeds under
 * {@code RouterFuzzTestInputs/} read as routing tables. A router built from fuzzed host and
 * path patterns either refuses a pattern with {@link IllegalArgumentException} at build time or
 * is built; then for fuzzed requests {@link Router#match} never throws, answers 200-found, 404
 * or 405 (with an Allow list), and picks the same route with the same bindings and path info as
 * a plain reading of the patterns segment by segment (first host, then first path, that fits).
 *
 * <p>{@link #percentDecodingInvertsTheJdkEncoder}: {@link Urls#decode} never throws, inverts
 * {@link URLEncoder} for any well-formed string, and agrees with {@link URLDecoder} on every
 * input the JDK decodes to well-formed text, apart from {@link #jdkTakesASignAsAHexDigit}.
 */
class RouterFuzzTest {

    /** One route as the reference reads it. */
    private record Spec(int host, String path, String method) {}

    @FuzzTest(maxDuration = "5m")
    void routerMatchesLikeASegmentBySegmentReading(byte[] input) {
        Router.Builder builder = Router.builder();
        List<String> hosts = new ArrayList<>();
        List<Spec> specs = new ArrayList<>();
        Map<HttpHandler, Integer> handlers = new IdentityHashMap<>();
        List<String[]> requests = new ArrayList<>();
        // One instruction a line: "h PATTERN", "r METHOD|* PATH", "m METHOD HOST PATH" (a request).
        for (String line : new String(input, StandardCharsets.UTF_8).split("\n", -1)) {
            String[] w = line.split(" ", -1);
            try {
                if (w[0].equals("h") && w.length == 2) {
                    builder.host(w[1]);
                    hosts.add(w[1]);
                } else if (w[0].equals("r") && w.length == 3 && specs.size() < 16) {
                    if (hosts.isEmpty()) {
                        builder.host("_");
                        hosts.add("_");
                    }
                    int index = specs.size();
                    // Captures its index, so that each route gets a handler object of its own.
                    HttpHandler handler = (request, response) -> response.status(200 + index);
                    String method = w[1].equals("*") ? null : w[1];
                    if (method == null) {
                        builder.route(w[2], handler);
                    } else {
                        builder.route(method, w[2], handler);
                    }
                    handlers.put(handler, index);
                    specs.add(new Spec(hosts.size() - 1, w[2], method));
                } else if (w[0].equals("m") && w.length == 4) {
                    requests.add(new String[] {w[1], w[2], w[3]});
                }
            } catch (IllegalArgumentException refused) {
                return;  // the documented refusal of a malformed pattern, at build time
            }
        }
        Router router = builder.build();
        for (String[] q : requests) {
            String method = q[0];
            String host = q[1];
            String path = q[2].startsWith("/") ? q[2] : "/" + q[2];
            RouteMatch match = router.match(method, host, path);
            Expected expected = reference(hosts, specs, method, host, path);
            assertEquals(expected.outcome, match.outcome(), () -> "outcome of " + method + " " + host + " " + path);
            if (match.found()) {
                assertNotNull(match.handler());
                assertEquals(expected.route, handlers.get(match.handler()), "which route");
                assertEquals(expected.bindings, match.bindings(), "bindings");
                assertEquals(expected.pathInfo, match.pathInfo(), "path info");
            } else if (match.outcome() == RouteMatch.Outcome.METHOD_NOT_ALLOWED) {
                assertTrue(match.allow() != null && !match.allow().isEmpty(), "405 names what is allowed");
            }
        }
    }

    private record Expected(RouteMatch.Outcome outcome, Integer route, Map<String, String> bindings, String pathInfo) {}

    /** The first host pattern that fits decides; within it the first path pattern that fits. */
    private static Expected reference(List<String> hosts, List<Spec> specs, String method, String host, String path) {
        String name = normalizedHost(host);
        for (int h = 0; h < hosts.size(); h++) {
            Map<String, String> hostBindings = new LinkedHashMap<>();
            if (!fits(hostSegments(hosts.get(h)), hostRest(hosts.get(h)), reversed(name.split("\\.", -1)), true,
                    hostBindings, null)) {
                continue;
            }
            // Routes of one path pattern (in order of first appearance) are one route with several methods.
            Map<String, List<Integer>> byPath = new LinkedHashMap<>();
            for (int i = 0; i < specs.size(); i++) {
                if (specs.get(i).host() == h) {
                    byPath.computeIfAbsent(specs.get(i).path(), k -> new ArrayList<>()).add(i);
                }
            }
            for (Map.Entry<String, List<Integer>> e : byPath.entrySet()) {
                Map<String, String> bindings = new LinkedHashMap<>(hostBindings);
                String[] info = new String[1];
                String pattern = e.getKey();
                boolean fits = pattern.equals("_") || fits(pathSegments(pattern), pattern.endsWith("/[...]"),
                        List.of(path.substring(1).split("/", -1)), false, bindings, info);
                if (!fits) {
                    continue;
                }
                Integer chosen = handlerFor(specs, e.getValue(), method);
                if (chosen == null) {
                    return new Expected(RouteMatch.Outcome.METHOD_NOT_ALLOWED, null, null, null);
                }
                return new Expected(RouteMatch.Outcome.FOUND, chosen, bindings, pattern.equals("_") ? null : info[0]);
            }
            return new Expected(RouteMatch.Outcome.NOT_FOUND, null, null, null);
        }
        return new Expected(RouteMatch.Outcome.NOT_FOUND, null, null, null);
    }

    private static Integer handlerFor(List<Spec> specs, List<Integer> route, String method) {
        Integer any = null;
        Integer get = null;
        // A later registration for the same method replaces an earlier one.
        for (int i : route) {
            String m = specs.get(i).method();
            if (m == null) {
                any = i;
            } else if (m.equals(method)) {
                return lastFor(specs, route, method);
            } else if (m.equals("GET")) {
                get = i;
            }
        }
        if (method.equals("HEAD") && get != null) {
            return lastFor(specs, route, "GET");
        }
        return any;
    }

    private static Integer lastFor(List<Spec> specs, List<Integer> route, String method) {
        Integer last = null;
        for (int i : route) {
            if (method.equals(specs.get(i).method())) {
                last = i;
            }
        }
        return last;
    }

    private static boolean fits(List<String> pattern, boolean rest, List<String> segments, boolean host,
                                Map<String, String> bindings, String[] info) {
        if (segments.size() < pattern.size() || (!rest && segments.size() != pattern.size())) {
            return false;
        }
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            String s = segments.get(i);
            if (p.equals("_")) {
                continue;
            }
            if (p.startsWith(":") && p.length() > 1) {
                String value = host ? s : Urls.decode(s, false);
                String previous = bindings.putIfAbsent(p.substring(1), value);
                if (previous != null && !previous.equals(value)) {
                    return false;
                }
            } else if (host ? !p.equalsIgnoreCase(s) : !p.equals(s)) {
                return false;
            }
        }
        if (info != null && rest) {
            info[0] = String.join("/", segments.subList(pattern.size(), segments.size()));
        }
        return true;
    }

    private static List<String> pathSegments(String pattern) {
        List<String> segments = new ArrayList<>(List.of(pattern.substring(1).split("/", -1)));
        if (pattern.endsWith("/[...]")) {
            segments.remove(segments.size() - 1);
        }
        return segments;
    }

    private static boolean hostRest(String pattern) {
        return pattern.equals("_") || pattern.toLowerCase(Locale.ROOT).startsWith("[...].");
    }

    private static List<String> hostSegments(String pattern) {
        if (pattern.equals("_")) {
            return List.of();
        }
        String body = pattern.toLowerCase(Locale.ROOT);
        if (body.startsWith("[...].")) {
            body = body.substring("[...].".length());
        }
        return reversed(body.split("\\.", -1));
    }

    private static List<String> reversed(String[] parts) {
        List<String> list = new ArrayList<>(List.of(parts));
        Collections.reverse(list);
        return list;
    }

    /** What a Host field names, as RFC 9110 section 7.2 reads it: no port, no final dot, any case. */
    private static String normalizedHost(String host) {
        String h = host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else if (h.lastIndexOf(':') >= 0) {
            h = h.substring(0, h.lastIndexOf(':'));
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    @FuzzTest(maxDuration = "5m")
    void percentDecodingInvertsTheJdkEncoder(byte[] input) {
        // First byte: '+' means plusIsSpace; then "text" LF "raw", UTF-8.
        boolean plusIsSpace = input.length > 0 && input[0] == '+';
        String all = new String(input, Math.min(1, input.length), Math.max(0, input.length - 1), StandardCharsets.UTF_8);
        int lf = all.indexOf('\n');
        String text = lf < 0 ? all : all.substring(0, lf);
        String raw = lf < 0 ? all : all.substring(lf + 1);

        if (isWellFormed(text)) {
            String encoded = URLEncoder.encode(text, StandardCharsets.UTF_8);
            assertEquals(text, Urls.decode(plusIsSpace ? encoded : encoded.replace("+", "%20"), plusIsSpace),
                    "decode(encode(text))");
        }
        String decoded = Urls.decode(raw, plusIsSpace);
        String jdk;
        try {
            jdk = URLDecoder.decode(plusIsSpace ? raw : raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return;  // the JDK refuses a stray '%'; ours keeps it, as documented
        }
        if (jdk.indexOf('\uFFFD') < 0 && decoded.indexOf('\uFFFD') < 0 && !jdkTakesASignAsAHexDigit(raw)) {
            assertEquals(jdk, decoded, () -> "decode(" + raw + ")");
        }
    }

    /**
     * URLDecoder parses an escape with Integer.parseInt, which takes a sign: it decodes
     * {@code %+2} as byte 2. RFC 3986 section 2.1 allows only HEXDIG after '%', so ours keeps it.
     */
    static boolean jdkTakesASignAsAHexDigit(String raw) {
        return raw.contains("%+") || raw.contains("%-");
    }

    /** No lone surrogates: a string UTF-8 can carry. */
    private static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
