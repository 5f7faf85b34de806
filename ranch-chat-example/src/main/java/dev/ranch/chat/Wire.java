package dev.ranch.chat;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;

/**
 * How one chat member's lines reach its client: raw TCP ({@link ChatProtocol}) or WebSocket
 * text frames. The line protocol ({@link ChatMember}) only ever talks to this interface, so
 * both kinds of client share rooms and obey the same rules. Every method is called on the
 * owner loop thread of {@link #connection()}.
 */
interface Wire {

    /** Why the server ends a member's session; a transport may tell its client (a close code). */
    enum Farewell {
        /** The client asked to leave ({@code QUIT}). */
        QUIT,
        /** The client was silent for the idle timeout. */
        IDLE,
        /** The server is stopping. */
        SHUTDOWN,
        /** The client sent a line longer than the limit. */
        LINE_TOO_LONG,
        /** The client fell too far behind reading. */
        TOO_SLOW
    }

    /**
     * The ranch connection under the member: its key in the rooms' registry and its mailbox
     * ({@code send} arrives in {@link ChatMember#onMessage}). Never written to directly.
     */
    Connection connection();

    /** Stops reading from the client until {@link #resumeReads()}: TCP pushes it back. */
    void pauseReads();

    /** Reads again after {@link #pauseReads()}. */
    void resumeReads();

    /**
     * Writes one or more whole lines, each ending with {@code \n}. The buffer may be reused
     * once this returns, so a transport that queues must copy.
     */
    void writeLines(ByteBuffer lines);

    /** Bytes written but not yet taken by the kernel: what a slow reader has piled up. */
    long pendingBytes();

    /** Closes once what was written has gone out; {@code why} says what ended the session. */
    void close(Farewell why);
}
