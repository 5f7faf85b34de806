package dev.ranch.core.internal.connection;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrashIsolationTest {

    /** The first byte of a connection that asks the protocol to crash. */
    private static final byte CRASH = 'X';
    /** The first byte of a well-behaved connection. */
    private static final byte HELLO = 'E';

    @TestRanch
    private Ranch ranch;

    @Test
    void crashesInOnDataCloseOnlyTheCrashingConnectionsWhileLiveEchoTrafficIsUntouched() throws Exception {
        int liveClients = 500;
        int crashClients = 50;
        int workers = 4;
        Outcomes outcomes = new Outcomes();
        // One spare slot: each crash client gets in only if the one before it gave its slot back.
        Listener listener = ranch.startListener("crash-ondata", Transports.tcp(),
                Loopback.options().maxConnections(liveClients + 1).build(),
                c -> new CrashOnRequest(outcomes));

        List<TestClient> live = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        AtomicBoolean running = new AtomicBoolean(true);
        try {
            for (int i = 0; i < liveClients; i++) {
                TestClient client = TestClient.connect(listener.port());
                live.add(client);
                client.write(new byte[] {HELLO});
                assertArrayEquals(new byte[] {HELLO}, client.readExactly(1));
            }
            assertEquals(liveClients, listener.info().activeConnections());

            AtomicLong exchanges = new AtomicLong();
            List<Future<?>> echoing = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                List<TestClient> mine = live.subList(w * liveClients / workers, (w + 1) * liveClients / workers);
                long seed = w;
                echoing.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    while (running.get()) {
                        for (TestClient client : mine) {
                            byte[] payload = new byte[1 + random.nextInt(2048)];
                            random.nextBytes(payload);
                            client.write(payload);
                            assertArrayEquals(payload, client.readExactly(payload.length));
                            exchanges.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            await().atMost(PATIENCE).until(() -> exchanges.get() > liveClients);

            long exchangesBeforeCrashes = exchanges.get();
            for (int i = 0; i < crashClients; i++) {
                try (TestClient crasher = TestClient.connect(listener.port())) {
                    crasher.write(new byte[] {CRASH});
                    assertTrue(crasher.isClosedByPeer(), "crash connection " + i + " was not closed by the server");
                }
            }
            long exchangesDuringCrashes = exchanges.get() - exchangesBeforeCrashes;
            assertTrue(exchangesDuringCrashes > 0, "echo traffic must run while the crashes happen");

            running.set(false);
            for (Future<?> f : echoing) {
                waitFor(f);
            }
            await().atMost(PATIENCE).until(() -> listener.info().crashes() == crashClients);
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == liveClients);
            await().atMost(PATIENCE).until(() -> outcomes.crashCloses.size() == crashClients);
            for (CrashClose close : outcomes.crashCloses) {
                assertSame(close.thrown, close.cause, "onClose must receive the exception the protocol threw");
            }
            assertEquals(0, outcomes.otherCloses.get(), "no echo connection may have closed");

            // Every survivor still answers, with its own bytes.
            for (int i = 0; i < live.size(); i++) {
                byte[] payload = Bytes.random(64, 1000 + i);
                live.get(i).write(payload);
                assertArrayEquals(payload, live.get(i).readExactly(payload.length));
            }
            assertEquals(crashClients, listener.info().crashes());
            assertEquals(liveClients, listener.info().activeConnections());
        } finally {
            running.set(false);
            pool.shutdownNow();
            live.forEach(TestClient::close);
        }
    }

    @Test
    void aThrowingFactoryOrInitClosesJustThatConnectionAndFreesItsSlot() throws Exception {
        // Roles are handed out in accept order; clients connect one at a time, so order is known.
        LinkedBlockingQueue<String> roles = new LinkedBlockingQueue<>(List.of("echo", "factory", "init", "echo"));
        RuntimeException fromInit = new IllegalStateException("init refuses");
        Outcomes outcomes = new Outcomes();
        ProtocolFactory factory = c -> {
            String role = roles.remove();
            if ("factory".equals(role)) {
                throw new IllegalStateException("factory refuses");
            }
            if ("init".equals(role)) {
                return new EchoProtocol() {
                    @Override
                    public void init(Connection connection) {
                        throw fromInit;
                    }

                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        outcomes.crashCloses.add(new CrashClose(connection.id(), fromInit, cause));
                    }
                };
            }
            return new EchoProtocol();
        };
        // Two slots: the first client keeps one, so each later client can only get in if the
        // slot of the one before it was freed.
        Listener listener = ranch.startListener("crash-init", Transports.tcp(),
                Loopback.options().maxConnections(2).build(), factory);

        try (TestClient keeper = TestClient.connect(listener.port())) {
            byte[] payload = Bytes.random(100, 1);
            keeper.write(payload);
            assertArrayEquals(payload, keeper.readExactly(payload.length));

            try (TestClient factoryVictim = TestClient.connect(listener.port())) {
                assertTrue(factoryVictim.isClosedByPeer());
            }
            try (TestClient initVictim = TestClient.connect(listener.port())) {
                assertTrue(initVictim.isClosedByPeer());
            }
            try (TestClient latecomer = TestClient.connect(listener.port())) {
                latecomer.write(payload);
                assertArrayEquals(payload, latecomer.readExactly(payload.length));
                assertEquals(2, listener.info().activeConnections());
            }

            keeper.write(payload);
            assertArrayEquals(payload, keeper.readExactly(payload.length));
        }
        assertEquals(2, listener.info().crashes());
        assertEquals(4, listener.info().totalAccepted());
        assertTrue(roles.isEmpty());
        assertEquals(1, outcomes.crashCloses.size());
        assertSame(fromInit, outcomes.crashCloses.get(0).cause);
    }

    @Test
    void eachCrashIsLoggedOnceAtWarnWithTheConnectionIdAndListenerName() throws Exception {
        String name = "crash-logged";
        int crashes = 3;
        Logger logger = (Logger) LoggerFactory.getLogger(SocketConnection.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            Outcomes outcomes = new Outcomes();
            Listener listener = ranch.startListener(name, Transports.tcp(), Loopback.options().build(),
                    c -> new CrashOnRequest(outcomes));
            for (int i = 0; i < crashes; i++) {
                try (TestClient crasher = TestClient.connect(listener.port())) {
                    crasher.write(new byte[] {CRASH});
                    assertTrue(crasher.isClosedByPeer());
                }
            }
            await().atMost(PATIENCE).until(() -> outcomes.crashCloses.size() == crashes);

            List<ILoggingEvent> warnings = new ArrayList<>();
            for (ILoggingEvent event : List.copyOf(appender.list)) {
                if (event.getLevel().isGreaterOrEqual(Level.WARN) && event.getFormattedMessage().contains(name)) {
                    warnings.add(event);
                }
            }
            assertEquals(crashes, warnings.size(), "warnings: " + warnings);
            for (CrashClose crash : outcomes.crashCloses) {
                String id = "connection " + crash.id + " ";
                List<ILoggingEvent> forThisOne = warnings.stream()
                        .filter(e -> e.getFormattedMessage().contains(id))
                        .toList();
                assertEquals(1, forThisOne.size(), "warnings for " + id + ": " + warnings);
                ILoggingEvent event = forThisOne.get(0);
                assertEquals(Level.WARN, event.getLevel());
                assertTrue(event.getFormattedMessage().contains("'" + name + "'"), event.getFormattedMessage());
                assertNotNull(event.getThrowableProxy(), "the crash's exception must be logged with it");
                assertEquals(crash.thrown.getMessage(), event.getThrowableProxy().getMessage());
            }
        } finally {
            logger.detachAppender(appender);
            appender.stop();
        }
    }

    /** How connections ended: crashes with what was thrown, and any other close. */
    private static final class Outcomes {
        final List<CrashClose> crashCloses = new CopyOnWriteArrayList<>();
        final AtomicInteger otherCloses = new AtomicInteger();
    }

    private record CrashClose(long id, Throwable thrown, Throwable cause) {}

    /** Echoes, except that a connection whose first byte is {@link #CRASH} throws in onData. */
    private static final class CrashOnRequest implements Protocol {
        private final Outcomes outcomes;
        private boolean sawFirstByte;
        private RuntimeException thrown;

        CrashOnRequest(Outcomes outcomes) {
            this.outcomes = outcomes;
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            if (!sawFirstByte) {
                sawFirstByte = true;
                if (data.get(data.position()) == CRASH) {
                    thrown = new RuntimeException("deliberate crash of connection " + connection.id());
                    throw thrown;
                }
            }
            connection.write(data);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            if (thrown != null) {
                outcomes.crashCloses.add(new CrashClose(connection.id(), thrown, cause));
            } else {
                outcomes.otherCloses.incrementAndGet();
            }
        }
    }
}
