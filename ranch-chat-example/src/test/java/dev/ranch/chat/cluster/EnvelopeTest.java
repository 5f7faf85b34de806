package dev.ranch.chat.cluster;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run of lines survives its trip through Redis whole, and anything else on the channel is refused. */
class EnvelopeTest {

    private static final byte[] NODE = "node-a".getBytes(StandardCharsets.UTF_8);

    @Test
    void aRunComesBackWithItsNodeRoomLinesAndCount() {
        byte[] lines = "hello\nwörld\n\n".getBytes(StandardCharsets.UTF_8);
        Envelope run = Envelope.decode(Envelope.encode(NODE, "café-☕", lines));
        assertNotNull(run);
        assertEquals("café-☕", run.room);
        assertArrayEquals(lines, run.lines);
        assertEquals(3, run.count);
        assertTrue(run.from(NODE));
        assertFalse(run.from("node-b".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyTruncationAndAWrongVersionAreRefused() {
        byte[] whole = Envelope.encode(NODE, "room", "a line\n".getBytes(StandardCharsets.UTF_8));
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            // A cut right after a line's LF is still a run; any other cut is not.
            if (length > 0 && cut[length - 1] == '\n') {
                continue;
            }
            assertNull(Envelope.decode(cut), "a run cut at " + length + " of " + whole.length + " bytes");
        }
        byte[] otherVersion = whole.clone();
        otherVersion[0] = 2;
        assertNull(Envelope.decode(otherVersion));
        assertNull(Envelope.decode("PUBLISH from someone else\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void emptyNodeRoomOrLinesAreRefused() {
        assertNull(Envelope.decode(Envelope.encode(new byte[0], "room", "x\n".getBytes(StandardCharsets.UTF_8))));
        assertNull(Envelope.decode(Envelope.encode(NODE, "", "x\n".getBytes(StandardCharsets.UTF_8))));
        assertNull(Envelope.decode(Envelope.encode(NODE, "room", new byte[0])));
    }

    @Test
    void memberCountsRoundTripAndDamagedLinesCountNoOne() {
        Map<String, Integer> sum = new HashMap<>();
        Presence.decode(Presence.encode(Map.of("lobby", 3, "café", 1)), sum);
        Presence.decode(Presence.encode(Map.of("lobby", 2)), sum);
        Presence.decode("lobby many\nno-count\n 4\nlobby -1\n".getBytes(StandardCharsets.UTF_8), sum);
        assertEquals(Map.of("lobby", 5, "café", 1), sum);
    }
}
