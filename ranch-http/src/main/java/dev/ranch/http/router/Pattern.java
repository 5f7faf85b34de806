package dev.ranch.http.router;

import dev.ranch.http.Urls;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled host or path pattern in the style of cowboy_router: segments that are
 * literals, {@code :name} bindings, {@code _} (any one segment, unbound), or a final
 * {@code [...]} that matches any number of remaining segments (for a host, a leading
 * {@code [...]}: hosts are matched right to left).
 */
final class Pattern {

    private static final int LITERAL = 0;
    private static final int BINDING = 1;
    private static final int ANY = 2;

    private final String source;
    private final int[] kinds;
    private final String[] values;
    private final boolean rest;
    private final boolean matchAll;
    /** A host's trailing {@code [...]} binds nothing, a path's binds the path info. */
    private final boolean isHostPattern;
    /** What {@link #binds()} answers: asked for every route on every request, so decided once. */
    private final boolean binds;

    private Pattern(String source, int[] kinds, String[] values, boolean rest, boolean matchAll,
                    boolean isHostPattern) {
        this.source = source;
        this.kinds = kinds;
        this.values = values;
        this.rest = rest;
        this.matchAll = matchAll;
        this.isHostPattern = isHostPattern;
        this.binds = bindsAnything(kinds, rest, matchAll, isHostPattern);
    }

    /** Compiles a path pattern: {@code /}, {@code /users/:id}, {@code /static/[...]}, or {@code _} for any path. */
    static Pattern path(String pattern) {
        if (pattern.equals("_")) {
            return new Pattern(pattern, new int[0], new String[0], true, true, false);
        }
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a path pattern starts with '/' (or is '_'): " + pattern);
        }
        return compile(pattern, List.of(pattern.substring(1).split("/", -1)), "[...]", true);
    }

    /** Compiles a host pattern: {@code example.com}, {@code :sub.example.com}, {@code [...].example.com}, {@code _}. */
    static Pattern host(String pattern) {
        if (pattern.equals("_")) {
            return new Pattern(pattern, new int[0], new String[0], true, true, true);
        }
        String body = pattern.toLowerCase(Locale.ROOT);
        boolean rest = body.startsWith("[...].");
        if (rest) {
            body = body.substring("[...].".length());
        }
        if (body.contains("[...]")) {
            throw new IllegalArgumentException("[...] must be the first segment of " + pattern);
        }
        List<String> segments = new ArrayList<>(List.of(body.split("\\.", -1)));
        java.util.Collections.reverse(segments);
        if (rest) {
            segments.add("[...]");  // hosts match right to left: the wildcard comes last
        }
        return compile(pattern, segments, "[...]", false);
    }

    private static Pattern compile(String source, List<String> segments, String restToken, boolean pathLike) {
        int n = segments.size();
        boolean rest = n > 0 && segments.get(n - 1).equals(restToken);
        if (rest) {
            n--;
        }
        int[] kinds = new int[n];
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            String s = segments.get(i);
            if (s.equals(restToken)) {
                throw new IllegalArgumentException("[...] must be the " + (pathLike ? "last" : "first")
                        + " segment of " + source);
            }
            if (s.startsWith(":") && s.length() > 1) {
                kinds[i] = BINDING;
                values[i] = s.substring(1);
            } else if (s.equals("_")) {
                kinds[i] = ANY;
            } else {
                kinds[i] = LITERAL;
                values[i] = s;
            }
        }
        return new Pattern(source, kinds, values, rest, false, !pathLike);
    }

    String source() {
        return source;
    }

    /** Whether this pattern matches every host or path, "_". */
    boolean matchesAll() {
        return matchAll;
    }

    /**
     * Whether a match of this pattern can bind anything (a {@code :name}, or what a trailing
     * {@code [...]} of a path matched); when not, {@link #matchPath}/{@link #matchHost} take a
     * null {@link Match}.
     */
    boolean binds() {
        return binds;
    }

    private static boolean bindsAnything(int[] kinds, boolean rest, boolean matchAll, boolean isHostPattern) {
        if (matchAll) {
            return false;
        }
        for (int kind : kinds) {
            if (kind == BINDING) {
                return true;
            }
        }
        return rest && !isHostPattern;
    }

    /**
     * Matches a path ({@code /a/b}, still encoded) and adds bindings to {@code match}.
     *
     * @return whether it matched; on a failed match {@code match} may hold partial bindings
     */
    boolean matchPath(String path, Match match) {
        if (matchAll) {
            return true;
        }
        int at = 1;  // after the leading '/'
        int length = path.length();
        for (int i = 0; i < kinds.length; i++) {
            if (at > length) {
                return false;
            }
            int end = path.indexOf('/', at);
            if (end < 0) {
                end = length;
            }
            if (!segment(i, path, at, end, false, match)) {
                return false;
            }
            at = end + 1;
        }
        if (rest) {
            match.pathInfo = at > length ? "" : path.substring(at);
            return true;
        }
        return at > length;
    }

    /** Matches a host (lower-case, no port), right to left. */
    boolean matchHost(String host, Match match) {
        if (matchAll) {
            return true;
        }
        int end = host.length();
        for (int i = 0; i < kinds.length; i++) {
            if (end < 0) {
                return false;
            }
            int dot = host.lastIndexOf('.', end - 1);
            int start = dot + 1;
            if (!segment(i, host, start, end, true, match)) {
                return false;
            }
            end = dot;
        }
        return rest || end < 0;
    }

    private boolean segment(int i, String s, int from, int to, boolean host, Match match) {
        switch (kinds[i]) {
            case LITERAL:
                return values[i].length() == to - from && s.regionMatches(host, from, values[i], 0, to - from);
            case ANY:
                return true;
            case BINDING: {
                String value = s.substring(from, to);
                if (!host) {
                    value = Urls.decode(value, false);
                }
                return match.bind(values[i], value);
            }
            default:
                throw new AssertionError(kinds[i]);
        }
    }

    /** Bindings gathered while matching. */
    static final class Match {
        Map<String, String> bindings;
        String pathInfo;

        /** Binds {@code name}; a name bound twice must bind the same value (as in cowboy_router). */
        boolean bind(String name, String value) {
            if (bindings == null) {
                bindings = new LinkedHashMap<>(4);
            }
            String previous = bindings.putIfAbsent(name, value);
            return previous == null || previous.equals(value);
        }

        void reset() {
            bindings = null;
            pathInfo = null;
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
