package dev.ranch.http.internal.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class DateHeaderTest {

    private static String text(long epochSecond) {
        return new String(DateHeader.format(epochSecond), StandardCharsets.US_ASCII);
    }

    @Test
    void formatsImfFixdateWithTwoDigitDays() {
        assertEquals("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n", text(0));
        // RFC 9110 section 5.6.7's own example.
        long example = ZonedDateTime.of(1994, 11, 6, 8, 49, 37, 0, ZoneOffset.UTC).toEpochSecond();
        assertEquals("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", text(example));
    }

    @Test
    void agreesWithTheJdkFormatterOverManyDays() {
        DateTimeFormatter jdk = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
                .withZone(ZoneOffset.UTC);
        for (long t = 0; t < 4_000_000_000L; t += 86_400L * 37 + 3_661) {
            assertEquals("Date: " + jdk.format(java.time.Instant.ofEpochSecond(t)) + "\r\n", text(t));
        }
    }

    @Test
    void theLineIsReusedWithinOneSecond() {
        byte[] first = DateHeader.line();
        byte[] second = DateHeader.line();
        // Either the same cached array, or the second ticked over between the calls.
        if (!java.util.Arrays.equals(first, second)) {
            return;
        }
        assertSame(first, second);
    }
}
