package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The h2spec harness itself, before it judges ranch: its reading of the JUnit report agrees
 * with h2spec's own summary, it sees failures and names them by ids that rerun the same
 * cases, and it sees passes. The failing server is a ranch listener that hangs up on every
 * connection; the passing one is nghttp2's {@code nghttpd}, the reference server (Debian
 * {@code nghttp2-server}, installed by the test when it can be, else that case is skipped).
 */
class H2specHarnessTest {

    @TestRanch
    Ranch ranch;

    @Test
    void aServerThatHangsUpFailsAndEveryFailureIsNamed() {
        Listener hangsUp = ranch.startListener("hangs-up", Transports.tcp(), Loopback.options().build(),
                connection -> new HangUp());

        H2spec.Result result = H2spec.run(hangsUp.port(), false);

        assertCountsAgreeWithSummary(result);
        assertTrue(result.failures().size() > result.cases().size() / 2, result.counts());
        for (H2spec.Case failed : result.failures()) {
            assertTrue(failed.id().matches("(generic|http2|hpack)/[0-9.]+/\\d+"), failed.id());
            assertFalse(failed.failure().isBlank(), failed.id());
        }
        AssertionError verdict = assertThrows(AssertionError.class, () -> result.assertNoFailures("hangs-up"));
        for (H2spec.Case failed : result.failures()) {
            assertTrue(verdict.getMessage().contains(failed.id() + "  [" + failed.section() + "] " + failed.description()),
                    failed.id() + " missing from:\n" + verdict.getMessage());
        }
        assertTrue(verdict.getMessage().contains(result.counts()), verdict.getMessage());
    }

    @Test
    void nghttpdPassesAlmostEverythingAndItsFailuresRerunByTheirIds() throws Exception {
        Path nghttpd = SystemPackages.require("nghttpd", "nghttp2-server");
        int port = Loopback.freePort();
        try (ExternalProcess server = ExternalProcess.start(nghttpd.toString(), "--no-tls",
                "--address=127.0.0.1", Integer.toString(port))) {
            await("nghttpd listening on " + port).atMost(PATIENCE).until(() -> {
                assertTrue(server.isAlive(), () -> "nghttpd exited: " + server.output());
                return accepts(port);
            });

            H2spec.Result result = H2spec.run(port, false);

            assertCountsAgreeWithSummary(result);
            assertTrue(result.passed() > result.cases().size() * 9 / 10, result.counts() + result.describeFailures());
            if (!result.failures().isEmpty()) {
                String[] ids = result.failures().stream().map(H2spec.Case::id).toArray(String[]::new);
                H2spec.Result again = H2spec.run(port, false, ids);
                assertEquals(titles(result.failures()), titles(again.cases()), "the ids select the cases that failed");
                assertEquals(ids.length, again.failures().size(), again.counts() + again.describeFailures());
            }
        }
    }

    private static Set<String> titles(List<H2spec.Case> cases) {
        return cases.stream().map(c -> c.section() + ": " + c.description()).collect(Collectors.toSet());
    }

    private static void assertCountsAgreeWithSummary(H2spec.Result result) {
        assertEquals(result.summary(), result.counts(), "the report read as h2spec summed it up");
        assertEquals(146, result.cases().size(), "strict mode runs h2spec 2.2.0's 146 cases: " + result.counts());
    }

    private static boolean accepts(int port) {
        try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return probe.isConnected();
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Closes every connection as soon as it is handed over: each case meets EOF. */
    private static final class HangUp implements Protocol {
        @Override
        public void init(Connection connection) {
            connection.close();
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.close();
        }
    }
}
