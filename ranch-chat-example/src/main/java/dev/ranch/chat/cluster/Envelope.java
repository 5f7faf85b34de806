package dev.ranch.chat.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One run of chat lines as it travels through Redis: who said it (the node), where (the
 * room), and the lines themselves, each ending in {@code \n}. Binary, so that the lines are
 * copied once and never parsed as text on the way:
 *
 * <pre>
 * version (1 byte, 1) | node id length (1 byte) | node id (UTF-8)
 *                     | room length (2 bytes, big-endian) | room (UTF-8) | lines
 * </pre>
 *
 * Anything else on the channel (another version, a truncated header, no lines, lines without
 * their final {@code \n}) decodes to {@code null}. Immutable; any thread.
 */
final class Envelope {

    static final byte VERSION = 1;

    /** The sending node's id, as its UTF-8 bytes. */
    final byte[] node;
    final String room;
    /** Whole lines, each ending in {@code \n}. */
    final byte[] lines;
    /** The number of lines in {@link #lines}. */
    final int count;

    private Envelope(byte[] node, String room, byte[] lines, int count) {
        this.node = node;
        this.room = room;
        this.lines = lines;
        this.count = count;
    }

    /** The bytes that carry {@code lines} said in {@code room} on the node {@code node} (1 to 255 UTF-8 bytes). */
    static byte[] encode(byte[] node, String room, byte[] lines) {
        byte[] roomBytes = room.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[2 + node.length + 2 + roomBytes.length + lines.length];
        int at = 0;
        out[at++] = VERSION;
        out[at++] = (byte) node.length;
        System.arraycopy(node, 0, out, at, node.length);
        at += node.length;
        out[at++] = (byte) (roomBytes.length >>> 8);
        out[at++] = (byte) roomBytes.length;
        System.arraycopy(roomBytes, 0, out, at, roomBytes.length);
        at += roomBytes.length;
        System.arraycopy(lines, 0, out, at, lines.length);
        return out;
    }

    /** The run {@code message} carries, or {@code null} when it is not one. */
    static Envelope decode(byte[] message) {
        if (message.length < 2 || message[0] != VERSION) {
            return null;
        }
        int nodeLength = message[1] & 0xff;
        int at = 2 + nodeLength;
        if (nodeLength == 0 || message.length < at + 2) {
            return null;
        }
        int roomLength = (message[at] & 0xff) << 8 | (message[at + 1] & 0xff);
        at += 2;
        if (roomLength == 0 || message.length <= at + roomLength || message[message.length - 1] != '\n') {
            return null;
        }
        int count = 0;
        for (int i = at + roomLength; i < message.length; i++) {
            if (message[i] == '\n') {
                count++;
            }
        }
        return new Envelope(Arrays.copyOfRange(message, 2, 2 + nodeLength),
                new String(message, at, roomLength, StandardCharsets.UTF_8),
                Arrays.copyOfRange(message, at + roomLength, message.length), count);
    }

    /** Whether the run was said on the node whose id is {@code node}. */
    boolean from(byte[] node) {
        return Arrays.equals(this.node, node);
    }
}
