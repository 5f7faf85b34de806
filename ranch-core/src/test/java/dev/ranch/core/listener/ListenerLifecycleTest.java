package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.GreetingProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.ProcessResources;
import dev.ranch.core.test.TcpSockets;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Starting, naming, binding, describing and stopping listeners. */
class ListenerLifecycleTest {

    @TestRanch
    private Ranch ranch;
    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();

    private Listener echo(String name, ListenerOptions options) {
        return ranch.startListener(name, Transports.tcp(), options, c -> new EchoProtocol());
    }

    /** A fresh client gets its own bytes back from {@code port}. */
    private void assertEchoes(int port) {
        try (TestClient client = TestClient.connect(port)) {
            byte[] payload = Bytes.random(64, port);
            client.write(payload);
            assertArrayEquals(payload, client.readExactly(payload.length));
        }
    }

    private static Set<String> names(Ranch ranch) {
        return ranch.listeners().stream().map(Listener::name).collect(Collectors.toSet());
    }

    @Test
    void portZeroBindsAFreePortThatClientsReach() {
        Listener first = echo("first", Loopback.options().build());
        Listener second = echo("second", Loopback.options().build());

        assertTrue(first.port() > 0, "bound port " + first.port());
        assertEquals(first.port(), ((java.net.InetSocketAddress) first.address()).getPort());
        assertEquals(first.port(), first.info().port());
        assertNotEquals(first.port(), second.port(), "each port-0 listener gets its own free port");
        assertEchoes(first.port());
        assertEchoes(second.port());
    }

    @Test
    void aSecondListenerWithARunningNameIsRejectedAndTheNameIsFreeAfterStop() {
        Listener first = echo("dup", Loopback.options().build());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> echo("dup", Loopback.options().build()));
        assertTrue(e.getMessage().contains("'dup'") && e.getMessage().contains("already running"),
                "the message says the name is taken: " + e.getMessage());
        assertSame(first, ranch.listener("dup").orElseThrow());
        assertEquals(ListenerState.RUNNING, first.state());
        assertEchoes(first.port());

        assertTrue(ranch.stopListener("dup"));
        Listener again = echo("dup", Loopback.options().build());
        assertNotSame(first, again);
        assertSame(again, ranch.listener("dup").orElseThrow());
        assertEchoes(again.port());
    }

    @Test
    void stopListenerForgetsTheNameAndUnknownNamesReturnFalse() {
        assertFalse(ranch.stopListener("nobody"));
        assertTrue(ranch.listeners().isEmpty());

        Listener a = echo("a", Loopback.options().build());
        Listener b = echo("b", Loopback.options().build());
        assertEquals(Set.of("a", "b"), names(ranch));

        assertTrue(ranch.stopListener("a"));
        assertEquals(ListenerState.STOPPED, a.state());
        assertTrue(ranch.listener("a").isEmpty());
        assertEquals(Set.of("b"), names(ranch));
        assertFalse(ranch.stopListener("a"), "a stopped name is unknown");
        assertSame(b, ranch.listener("b").orElseThrow());
        assertEchoes(b.port());
    }

    @Test
    void aClosedRanchRefusesNewListeners() {
        ranch.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> echo("late", Loopback.options().build()));
        assertTrue(e.getMessage().contains("'late'"), "the message names the listener: " + e.getMessage());
        assertTrue(ranch.listeners().isEmpty());
    }

    @Test
    void acceptorThreadsAreNamedAfterTheListenerAndEndWithIt() {
        Listener listener = echo("named", Loopback.options().numAcceptors(3).build());
        Set<String> expected = Set.of("ranch-named-acceptor-0", "ranch-named-acceptor-1", "ranch-named-acceptor-2");
        assertEquals(expected, threadNames("ranch-named-"));
        assertEchoes(listener.port());

        ranch.stopListener("named");
        assertEquals(Set.of(), threadNames("ranch-named-"), "threads alive once stop has returned");
    }

    private static Set<String> threadNames(String prefix) {
        return Set.copyOf(ProcessResources.names(ProcessResources.liveThreadsNamed(prefix)));
    }

    @Test
    void bindingATakenPortFailsNamingTheListenerAndTheRanchKeepsWorking() {
        Listener first = echo("first", Loopback.options().build());

        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> echo("second", Loopback.options().port(first.port()).build()));
        assertTrue(e.getMessage().contains("'second'"), "the message names the listener: " + e.getMessage());
        assertTrue(ranch.listener("second").isEmpty(), "a listener that failed to bind is not registered");
        assertEquals(Set.of("first"), names(ranch));
        assertEchoes(first.port());

        Listener second = echo("second", Loopback.options().build());
        assertEchoes(second.port());
    }

    @Test
    void fourListenSocketsShareOnePortAndAllOfThemServe() {
        assumeTrue(TcpSockets.available(), "needs Linux /proc/net/tcp");
        int clientCount = 40;
        Listener listener = echo("reuse", Loopback.options().numListenSockets(4).numAcceptors(4).build());
        int port = listener.port();
        assertEquals(4, TcpSockets.listeningOn(port), "listen sockets on port " + port);

        // The kernel spreads connections over the four sockets; a socket without a working
        // acceptor would leave some of these clients unanswered.
        for (int i = 0; i < clientCount; i++) {
            TestClient client = clients.connect(port);
            byte[] payload = Bytes.random(32, i);
            client.write(payload);
            assertArrayEquals(payload, client.readExactly(payload.length));
        }
        assertEquals(clientCount, listener.info().totalAccepted());

        ranch.stopListener("reuse");
        assertEquals(0, TcpSockets.listeningOn(port), "every listen socket is closed by stop");
    }

    @Test
    void moreListenSocketsThanAcceptorsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ListenerOptions.builder().numAcceptors(2).numListenSockets(3).build());
        assertTrue(e.getMessage().contains("numListenSockets") && e.getMessage().contains("numAcceptors"),
                "the message names both options: " + e.getMessage());
    }

    @Test
    void infoReportsConfigurationStateAndCounters() {
        int numAcceptors = 3;
        int maxConnections = 7;
        Listener listener = ranch.startListener("described", Transports.tcp(),
                Loopback.options().numAcceptors(numAcceptors).maxConnections(maxConnections).build(),
                c -> new GreetingProtocol(tracker));

        ListenerInfo fresh = listener.info();
        assertEquals("described", fresh.name());
        assertEquals(ListenerState.RUNNING, fresh.state());
        assertEquals(listener.port(), fresh.port());
        assertEquals("tcp", fresh.transport());
        assertEquals(numAcceptors, fresh.numAcceptors());
        assertEquals(maxConnections, fresh.maxConnections());
        assertEquals(0, fresh.activeConnections());
        assertEquals(0, fresh.totalAccepted());

        TestClient one = clients.connect(listener.port());
        TestClient two = clients.connect(listener.port());
        assertEquals(GREETING, one.readExactly(1)[0]);
        assertEquals(GREETING, two.readExactly(1)[0]);
        ListenerInfo busy = listener.info();
        assertEquals(2, busy.activeConnections());
        assertEquals(2, busy.totalAccepted());

        one.close();
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1);
        assertEquals(2, listener.info().totalAccepted(), "the total counts closed connections too");
        assertEquals(0, listener.info().handshakeFailures());
        assertEquals(0, listener.info().crashes());

        ranch.stopListener("described");
        ListenerInfo stopped = listener.info();
        assertEquals(ListenerState.STOPPED, stopped.state());
        assertEquals(0, stopped.activeConnections());
        assertEquals(2, stopped.totalAccepted());
    }

    @ParameterizedTest(name = "keepAlive {0}")
    @ValueSource(booleans = {true, false})
    void acceptedSocketsGetSoKeepAliveAsConfigured(boolean keepAlive) {
        assumeTrue(TcpSockets.available(), "needs Linux /proc/net/tcp");
        Listener listener = ranch.startListener("keepalive", Transports.tcp(),
                Loopback.options().keepAlive(keepAlive).build(), c -> new GreetingProtocol(tracker));
        TestClient client = clients.connect(listener.port());
        assertEquals(GREETING, client.readExactly(1)[0]);

        // The kernel arms a keepalive timer exactly on sockets with SO_KEEPALIVE set.
        TcpSockets.Entry accepted = TcpSockets.established(listener.port(), client.socket().getLocalPort())
                .orElseThrow(() -> new AssertionError("no server-side socket for the client"));
        assertEquals(keepAlive, accepted.timer() == TcpSockets.TIMER_KEEPALIVE, "timer of " + accepted);
    }

    /**
     * Closes when the client's first byte arrives: closing as soon as the connection is
     * served could reset it before the client's own connect() has returned.
     */
    private static final class CloseOnFirstByte implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.close();
        }
    }

    @ParameterizedTest(name = "lingerSeconds {0}")
    @ValueSource(ints = {0, -1})
    void acceptedSocketsGetSoLingerSoThatZeroTurnsACloseIntoAReset(int lingerSeconds) throws IOException {
        Listener listener = ranch.startListener("linger", Transports.tcp(),
                Loopback.options().lingerSeconds(lingerSeconds).build(), c -> new CloseOnFirstByte());
        TestClient client = clients.connect(listener.port());
        client.write(new byte[] {1});

        InputStream in = client.socket().getInputStream();
        String ending;
        try {
            ending = in.read() < 0 ? "end of stream" : "data";
        } catch (SocketTimeoutException e) {
            ending = "still open";
        } catch (SocketException e) {
            ending = "reset";
        }
        assertEquals(lingerSeconds == 0 ? "reset" : "end of stream", ending);
    }
}
