package dev.ranch.core.listener;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad option is refused when it is set, with a message that names it and the value. */
class ListenerOptionsTest {

    private static void refused(String option, String value, Executable setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setting);
        assertTrue(e.getMessage().contains(option) && e.getMessage().contains(value),
                "the message names " + option + " and " + value + ": " + e.getMessage());
    }

    @Test
    void outOfRangeNumbersAreRefusedByName() {
        refused("port", "65536", () -> ListenerOptions.builder().port(65536));
        refused("port", "-1", () -> ListenerOptions.builder().port(-1));
        refused("backlog", "0", () -> ListenerOptions.builder().backlog(0));
        refused("numAcceptors", "0", () -> ListenerOptions.builder().numAcceptors(0));
        refused("maxConnections", "-1", () -> ListenerOptions.builder().maxConnections(-1));
        refused("lingerSeconds", "-2", () -> ListenerOptions.builder().lingerSeconds(-2));
        refused("acceptRate", "-1", () -> ListenerOptions.builder().acceptRate(-1, 1));
        refused("acceptBurst", "0", () -> ListenerOptions.builder().acceptRate(10, 0));
    }

    @Test
    void zeroOrNegativeDurationsAreRefusedWhereTheyMeanNothing() {
        refused("handshakeTimeout", "PT0S", () -> ListenerOptions.builder().handshakeTimeout(Duration.ZERO));
        refused("closeTimeout", "PT-1S", () -> ListenerOptions.builder().closeTimeout(Duration.ofSeconds(-1)));
        refused("idleTimeout", "PT-1S", () -> ListenerOptions.builder().idleTimeout(Duration.ofSeconds(-1)));
        refused("shutdownTimeout", "PT-1S", () -> ListenerOptions.builder().shutdownTimeout(Duration.ofSeconds(-1)));
        // Zero is meaningful for these two: no idle timeout, abort at once.
        ListenerOptions.builder().idleTimeout(Duration.ZERO).shutdownTimeout(Duration.ZERO).build();
    }

    @Test
    void contradictoryOptionsAreRefusedAtBuild() {
        refused("writeLowWatermark", "64", () -> ListenerOptions.builder()
                .writeHighWatermark(64).writeLowWatermark(64).build());
        refused("numListenSockets", "4", () -> ListenerOptions.builder().numAcceptors(2).numListenSockets(4).build());
    }

    @Test
    void alarmsNeedDistinctNamesAndSoundValues() {
        Alarm.Callback none = (alarm, listener, connections) -> { };
        refused("busy", "already", () -> ListenerOptions.builder()
                .alarm(new Alarm("busy", 1, Duration.ZERO, none))
                .alarm(new Alarm("busy", 2, Duration.ZERO, none)));
        refused("threshold", "-1", () -> new Alarm("low", -1, Duration.ZERO, none));
        refused("cooldown", "PT-1S", () -> new Alarm("low", 1, Duration.ofSeconds(-1), none));
    }

    @Test
    void toBuilderKeepsEveryOption() {
        ListenerOptions options = ListenerOptions.builder().port(1234).backlog(7).numAcceptors(3)
                .maxConnections(99).idleTimeout(Duration.ofSeconds(3)).atLimit(AtLimit.REJECT)
                .acceptRate(50, 5).writeHighWatermark(1000).writeLowWatermark(10).build();
        ListenerOptions copy = options.toBuilder().build();
        assertEquals(1234, copy.port());
        assertEquals(7, copy.backlog());
        assertEquals(3, copy.numAcceptors());
        assertEquals(99, copy.maxConnections());
        assertEquals(Duration.ofSeconds(3), copy.idleTimeout());
        assertEquals(AtLimit.REJECT, copy.atLimit());
        assertEquals(50, copy.acceptRate());
        assertEquals(5, copy.acceptBurst());
        assertEquals(1000, copy.writeHighWatermark());
        assertEquals(10, copy.writeLowWatermark());
    }
}
