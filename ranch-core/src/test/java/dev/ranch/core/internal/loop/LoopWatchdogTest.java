package dev.ranch.core.internal.loop;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopWatchdogTest {

    /** Long enough that a loaded build machine does not stall a loop this long by itself. */
    private static final Duration THRESHOLD = Duration.ofMillis(800);

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(LoopWatchdog.class);

    @BeforeEach
    void capture() {
        log.start();
        logger.addAppender(log);
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void release() {
        logger.detachAppender(log);
        logger.setLevel(null);
    }

    /** Blocks its loop when a line says so, until the test releases it; echoes otherwise. */
    static final class SleepingProtocol implements Protocol {
        final AtomicLong sleptOn = new AtomicLong(-1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            String text = StandardCharsets.US_ASCII.decode(data.duplicate()).toString();
            if (text.startsWith("sleep")) {
                sleptOn.set(connection.id());
                sleepOnTheLoop(release);
            }
            connection.write(data);
        }

        private static void sleepOnTheLoop(CountDownLatch release) {
            try {
                release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aCallbackSleepingOnTheLoopIsReportedOnceWithItsNamesAndStack() {
        SleepingProtocol protocol = new SleepingProtocol();
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).blockedThreshold(THRESHOLD).build()) {
            Listener listener = ranch.startListener("sleepy", Transports.tcp(), Loopback.options().build(),
                    connection -> protocol);
            try (TestClient client = TestClient.connect(listener.port())) {
                client.write("sleep");
                // The loop stays blocked until the warning is out, so the test does not race it.
                await().atMost(PATIENCE).until(() -> !events(Level.WARN, "listener 'sleepy'").isEmpty());
                protocol.release.countDown();
                assertEquals("sleep", client.readString(5));
                await().atMost(PATIENCE).until(() -> events(Level.INFO, "ranch-loop-0 returned after").size() == 1);
            }
        }
        List<ILoggingEvent> warnings = events(Level.WARN, "listener 'sleepy'");
        assertEquals(1, warnings.size(), "one WARN per blocked episode: " + warnings);
        String message = warnings.get(0).getFormattedMessage();
        assertTrue(message.contains("ranch-loop-0"), message);
        assertTrue(message.contains("connection " + protocol.sleptOn.get() + " "), message);
        IThrowableProxy stack = warnings.get(0).getThrowableProxy();
        assertTrue(Arrays.stream(stack.getStackTraceElementProxyArray()).map(StackTraceElementProxy::getStackTraceElement)
                        .anyMatch(frame -> frame.getMethodName().equals("sleepOnTheLoop")),
                "the stack shows the sleeping frame");
        String returned = events(Level.INFO, "ranch-loop-0 returned after").get(0).getFormattedMessage();
        Matcher took = Pattern.compile("after about (\\d+) ms").matcher(returned);
        assertTrue(took.find(), returned);
        long millis = Long.parseLong(took.group(1));
        assertTrue(millis >= THRESHOLD.toMillis(), "the INFO says how long the callback ran: " + returned);
    }

    @Test
    void aLoopThatNeverBlocksIsNotReported() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).blockedThreshold(THRESHOLD).build()) {
            Listener listener = ranch.startListener("quick", Transports.tcp(), Loopback.options().build(),
                    connection -> new EchoProtocol());
            try (TestClient client = TestClient.connect(listener.port())) {
                long end = System.nanoTime() + THRESHOLD.multipliedBy(3).toNanos();
                while (System.nanoTime() - end < 0) {
                    EchoProtocol.assertEchoes(client, "ping");
                }
            }
        }
        assertEquals(List.of(), events(Level.WARN, ""), "no warning for a loop that never blocked");
    }

    private List<ILoggingEvent> events(Level level, String containing) {
        return log.list.stream()
                .filter(event -> event.getLevel() == level && event.getFormattedMessage().contains(containing))
                .toList();
    }
}
