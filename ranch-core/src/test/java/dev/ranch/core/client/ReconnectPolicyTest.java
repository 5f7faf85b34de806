package dev.ranch.core.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A reconnect policy refuses settings that make no sense, naming them. */
class ReconnectPolicyTest {

    private static void refused(String what, Runnable setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setting::run);
        assertTrue(e.getMessage().contains(what), "the message names " + what + ": " + e.getMessage());
    }

    @Test
    void badSettingsAreRefusedByName() {
        refused("jitter", () -> ReconnectPolicy.exponential().jitter(1.5));
        refused("jitter", () -> ReconnectPolicy.exponential().jitter(Double.NaN));
        refused("maxAttempts", () -> ReconnectPolicy.exponential().maxAttempts(-1));
        refused("initialDelay", () -> ReconnectPolicy.exponential().initialDelay(Duration.ofMillis(-1)));
        refused("connectTimeout", () -> ReconnectPolicy.exponential().connectTimeout(Duration.ZERO));
        refused("maxDelay", () -> ReconnectPolicy.exponential()
                .initialDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1)).build());
    }

    @Test
    void neverMeansOneAttemptAndZeroMeansForever() {
        assertTrue(ReconnectPolicy.never().givesUpAfter(1));
        ReconnectPolicy forever = ReconnectPolicy.exponential().build();
        assertEquals(0, forever.maxAttempts());
        assertFalse(forever.givesUpAfter(1_000_000));
    }
}
