package dev.ranch.http.websocket.autobahn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The build's verdict on an Autobahn fuzzingclient run. The Maven plugin fails only on a case's {@code behavior};
 * a server that answers correctly but closes with the wrong code still passes there. This gate reads the run's
 * {@code index.json} and fails on any case whose {@code behavior} or {@code behaviorClose} is outside
 * OK, NON-STRICT and INFORMATIONAL.
 *
 * <p>Run by exec-maven-plugin's {@code java} goal in the {@code verify} phase, on Maven's own thread, inside the
 * Maven JVM: the same JVM (hence the same working directory) in which the plugin wrote its reports.
 */
public final class AutobahnGate {

    /** Where the plugin writes, relative to the working directory of the JVM it runs in (not to the module). */
    static final Path REPORTS = Path.of("target", "autobahntestsuite-reports");

    /** The outcomes Autobahn itself counts as passing: NON-STRICT and INFORMATIONAL are allowed by RFC 6455. */
    static final Set<String> ACCEPTED = Set.of("OK", "NON-STRICT", "INFORMATIONAL");

    private AutobahnGate() {}

    /**
     * Judges {@code args[0]/index.json}, or {@link #REPORTS}{@code /index.json} with no argument, and prints the
     * tally ending with {@code N passed, N failed}.
     *
     * @throws IOException when the index cannot be read (no run happened)
     * @throws IllegalStateException naming every failing case, which fails the Maven build
     */
    public static void main(String[] args) throws IOException {
        Path reports = args.length > 0 ? Path.of(args[0]) : REPORTS;
        Path index = reports.resolve("index.json").toAbsolutePath();
        Verdict verdict = judge(Files.readString(index, StandardCharsets.UTF_8));
        System.out.println("Autobahn gate on " + index);
        for (Failure failure : verdict.failures()) {
            System.out.println("  " + failure.caseId() + ": " + outcomeText(reports.resolve(failure.reportFile())));
        }
        System.out.println(verdict.report());
        if (!verdict.failures().isEmpty() || verdict.passed() == 0) {
            throw new IllegalStateException("Autobahn gate: " + verdict.failures().size() + " failing case(s), "
                    + verdict.passed() + " passing; reports in " + index.getParent());
        }
    }

    /**
     * Tallies one {@code index.json} (agent name, then case id, then the case's outcome).
     *
     * @throws IllegalArgumentException when the text is not an Autobahn index
     */
    static Verdict judge(String indexJson) {
        Map<String, Integer> behaviors = new TreeMap<>();
        Map<String, Integer> closes = new TreeMap<>();
        List<Failure> failures = new ArrayList<>();
        int passed = 0;
        for (Map.Entry<String, Object> agent : asObject(JsonText.parse(indexJson), "index").entrySet()) {
            List<Map.Entry<String, Object>> cases = new ArrayList<>(asObject(agent.getValue(), agent.getKey())
                    .entrySet());
            cases.sort((a, b) -> CaseId.compare(a.getKey(), b.getKey()));
            for (Map.Entry<String, Object> testCase : cases) {
                Map<String, Object> outcome = asObject(testCase.getValue(), testCase.getKey());
                String behavior = String.valueOf(outcome.get("behavior"));
                String close = String.valueOf(outcome.get("behaviorClose"));
                behaviors.merge(behavior, 1, Integer::sum);
                closes.merge(close, 1, Integer::sum);
                if (ACCEPTED.contains(behavior) && ACCEPTED.contains(close)) {
                    passed++;
                } else {
                    failures.add(new Failure(testCase.getKey(), behavior, close,
                            closeCode(outcome.get("remoteCloseCode")), String.valueOf(outcome.get("reportfile"))));
                }
            }
        }
        return new Verdict(behaviors, closes, Collections.unmodifiableList(failures), passed);
    }

    /** Autobahn's own sentences on the case and on its close, from the case's report, or why they cannot be had. */
    private static String outcomeText(Path caseReport) {
        try {
            Map<String, Object> report = asObject(JsonText.parse(Files.readString(caseReport, StandardCharsets.UTF_8)),
                    caseReport.toString());
            return report.get("result") + " / close: " + report.get("resultClose");
        } catch (IOException | IllegalArgumentException e) {
            return "(no case report: " + e.getMessage() + ")";
        }
    }

    private static String closeCode(Object code) {
        return code instanceof Double ? String.valueOf(((Double) code).intValue()) : String.valueOf(code);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("not an Autobahn index: " + what + " is not an object");
        }
        return (Map<String, Object>) value;
    }

    /** One case outside the accepted outcomes; {@code reportFile} is relative to the reports directory. */
    record Failure(String caseId, String behavior, String behaviorClose, String remoteCloseCode, String reportFile) {
        @Override
        public String toString() {
            return caseId + ": behavior " + behavior + ", behaviorClose " + behaviorClose + ", remote close code "
                    + remoteCloseCode + ", report " + reportFile;
        }
    }

    /** The tally of one run; {@code failures} holds the failing cases in case order. */
    record Verdict(Map<String, Integer> behaviors, Map<String, Integer> closes, List<Failure> failures,
                   int passed) {

        /** Human-readable tally; its last line is {@code N passed, N failed}. */
        String report() {
            StringBuilder out = new StringBuilder();
            out.append("behavior: ").append(behaviors).append('\n');
            out.append("behaviorClose: ").append(closes).append('\n');
            for (Failure failure : failures) {
                out.append("FAILED ").append(failure).append('\n');
            }
            return out.append(passed).append(" passed, ").append(failures.size()).append(" failed").toString();
        }
    }

    /** Orders case ids such as {@code 9.10.2} number by number, as Autobahn lists them. */
    static final class CaseId {
        private CaseId() {}

        static int compare(String a, String b) {
            String[] x = a.split("\\.");
            String[] y = b.split("\\.");
            for (int i = 0; i < Math.min(x.length, y.length); i++) {
                int order = x[i].matches("\\d+") && y[i].matches("\\d+")
                        ? Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i])) : x[i].compareTo(y[i]);
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(x.length, y.length);
        }
    }
}
