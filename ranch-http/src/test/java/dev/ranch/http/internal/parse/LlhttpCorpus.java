package dev.ranch.http.internal.parse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads llhttp's request test cases (markdown, MIT licence, copied as test data into
 * {@code src/test/resources/llhttp-request/}) into raw bytes and the messages llhttp
 * reported.
 */
final class LlhttpCorpus {

    static final String[] FILES = {"connection.md", "content-length.md", "finish.md", "invalid.md", "method.md",
        "pipelining.md", "sample.md", "transfer-encoding.md", "uri.md"};

    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern SPAN = Pattern.compile("^off=\\d+ len=\\d+ span\\[(\\w+)\\]=\"(.*)\"$");
    private static final Pattern ERROR = Pattern.compile("^off=\\d+ error code=(\\d+) reason=\"(.*)\"$");

    /** One case of the corpus. */
    static final class Case {
        final String file;
        final String title;
        final String type;
        /** {@code null} when the raw text uses inline JavaScript ({@code ${...}}). */
        final byte[] input;
        final Expected expected;

        Case(String file, String title, String type, byte[] input, Expected expected) {
            this.file = file;
            this.title = title;
            this.type = type;
            this.input = input;
            this.expected = expected;
        }

        String name() {
            return file + " / " + title;
        }
    }

    /** What llhttp reported for a case. */
    static final class Expected {
        final List<Message> messages = new ArrayList<>();
        Integer errorCode;
        String errorReason;
    }

    /** One message as reported, by llhttp or by our parser. */
    static final class Message {
        final StringBuilder method = new StringBuilder();
        final StringBuilder url = new StringBuilder();
        String version;
        final List<String[]> headers = new ArrayList<>();
        final List<String[]> trailers = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean headComplete;
        boolean complete;

        String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(method).append(' ').append(url).append(" v=").append(version).append(" headComplete=")
                    .append(headComplete).append(" complete=").append(complete).append('\n');
            for (String[] h : headers) {
                sb.append("  ").append(h[0]).append(": ").append(h[1]).append('\n');
            }
            for (String[] h : trailers) {
                sb.append("  trailer ").append(h[0]).append(": ").append(h[1]).append('\n');
            }
            sb.append("  body=").append(new String(body.toByteArray(), StandardCharsets.ISO_8859_1));
            return sb.toString();
        }
    }

    private LlhttpCorpus() {}

    static List<Case> load() {
        List<Case> cases = new ArrayList<>();
        for (String file : FILES) {
            cases.addAll(parseFile(file, read(file)));
        }
        return cases;
    }

    private static String read(String file) {
        try (InputStream in = LlhttpCorpus.class.getResourceAsStream("/llhttp-request/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource llhttp-request/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Case> parseFile(String file, String text) {
        List<Case> cases = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        String title = null;
        String type = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("#")) {
                title = line.replaceFirst("^#+\\s*", "");
                type = null;
            } else if (line.startsWith("<!-- meta=")) {
                Matcher m = TYPE.matcher(line);
                type = m.find() ? m.group(1) : "?";
            } else if (line.equals("```http") && type != null) {
                StringBuilder raw = new StringBuilder();
                int j = i + 1;
                for (; !lines[j].equals("```"); j++) {
                    raw.append(lines[j]).append('\n');
                }
                int k = j + 1;
                while (!lines[k].equals("```log")) {
                    k++;
                }
                Expected expected = new Expected();
                int end = k + 1;
                for (; !lines[end].equals("```"); end++) {
                    logLine(lines[end], expected);
                }
                cases.add(new Case(file, title, type, bytes(raw.toString()), expected));
                i = end;
                type = null;
            }
        }
        return cases;
    }

    /** The README's rules, in order: final newline, continued lines, CRLF, escapes. */
    static byte[] bytes(String raw) {
        if (raw.contains("${")) {
            return null;
        }
        String s = raw.substring(0, raw.length() - 1);
        s = s.replace("\\\n", "");
        s = s.replace("\n", "\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                if (n == 'r') {
                    out.write('\r');
                    i++;
                    continue;
                } else if (n == 'n') {
                    out.write('\n');
                    i++;
                    continue;
                } else if (n == 't') {
                    out.write('\t');
                    i++;
                    continue;
                } else if (n == 'f') {
                    out.write('\f');
                    i++;
                    continue;
                } else if (n == 'x' && i + 3 < s.length() + 0 && isHex(s, i + 2, i + 4)) {
                    out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                    i += 3;
                    continue;
                } else if (n >= '0' && n <= '7') {
                    int j = i + 1;
                    while (j < s.length() && j < i + 4 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                        j++;
                    }
                    out.write(Integer.parseInt(s.substring(i + 1, j), 8));
                    i = j - 1;
                    continue;
                }
            }
            if (c > 0xff) {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static boolean isHex(String s, int from, int to) {
        if (to > s.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void logLine(String line, Expected expected) {
        List<Message> messages = expected.messages;
        Message current = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (line.endsWith(" message begin")) {
            messages.add(new Message());
            return;
        }
        Matcher error = ERROR.matcher(line);
        if (error.matches()) {
            expected.errorCode = Integer.valueOf(error.group(1));
            expected.errorReason = error.group(2);
            return;
        }
        if (current == null) {
            return;
        }
        Matcher span = SPAN.matcher(line);
        if (span.matches()) {
            String kind = span.group(1);
            String value = unescape(span.group(2));
            switch (kind) {
                case "method":
                    current.method.append(value);
                    break;
                case "url":
                    current.url.append(value);
                    break;
                case "version":
                    current.version = current.version == null ? value : current.version + value;
                    break;
                case "header_field": {
                    List<String[]> list = current.headComplete ? current.trailers : current.headers;
                    if (list.isEmpty() || list.get(list.size() - 1)[1] != null) {
                        list.add(new String[] {value, null});
                    } else {
                        list.get(list.size() - 1)[0] += value;
                    }
                    break;
                }
                case "header_value": {
                    List<String[]> list = current.headComplete ? current.trailers : current.headers;
                    String[] last = list.get(list.size() - 1);
                    last[1] = last[1] == null ? value : last[1] + value;
                    break;
                }
                case "body": {
                    byte[] b = value.getBytes(StandardCharsets.ISO_8859_1);
                    current.body.write(b, 0, b.length);
                    break;
                }
                default:
                    break;  // protocol and chunk-extension spans: not compared
            }
            return;
        }
        if (line.contains(" headers complete ")) {
            current.headComplete = true;
        } else if (line.endsWith(" message complete")) {
            current.complete = true;
        } else if (line.endsWith(" header_value complete")) {
            List<String[]> list = current.headComplete ? current.trailers : current.headers;
            if (!list.isEmpty() && list.get(list.size() - 1)[1] == null) {
                list.get(list.size() - 1)[1] = "";
            }
        }
    }

    /** Spans are printed raw except for control bytes, which appear as {@code \r}, {@code \xHH} and the like. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 'r': sb.append('\r'); break;
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'f': sb.append('\f'); break;
                    case 'x': sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16)); i += 2; break;
                    default: sb.append('\\').append(n); break;
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
