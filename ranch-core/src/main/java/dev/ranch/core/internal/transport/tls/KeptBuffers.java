package dev.ranch.core.internal.transport.tls;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The bytes one {@link TlsSession} keeps between calls, which the loop's {@link TlsScratch}
 * cannot hold for it: {@code netIn} (raw input behind the last whole record, or a ClientHello
 * still arriving), {@code appIn} (plaintext the protocol has not taken) and {@code netOut}
 * (records the kernel has not taken). Each exists only while it holds bytes, so an idle
 * connection holds no buffer.
 *
 * <p>Owned by its session and touched only on the connection's owner thread: the delegated
 * tasks that run elsewhere use the engine alone, never these buffers.
 */
final class KeptBuffers {

    /** The size {@code netIn} is made at when a small one will do: a ClientHello's first read, or a short leftover. */
    private static final int SMALL = 4096;

    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    /**
     * {@code netIn} and {@code appIn} once emptied, kept while the connection is busy for the
     * next bytes to keep: a steady stream keeps a partial record and some plaintext after
     * nearly every read, and would otherwise allocate both each time. Dropped by the first
     * read that leaves nothing behind ({@link #dropSparesIfEmpty}), so an idle connection
     * still holds no buffer.
     */
    private ByteBuffer spareNetIn;
    private ByteBuffer spareAppIn;

    // ---- raw input ----

    /** Puts any kept raw input into {@code in}, then reads the socket into the rest. Owner thread. */
    int fill(SocketChannel channel, ByteBuffer in) throws IOException {
        if (netIn != null) {
            in.put(netIn);
            spareNetIn = netIn.clear();
            netIn = null;
        }
        return in.hasRemaining() ? channel.read(in) : 0;
    }

    /**
     * Reads the socket into the kept raw input ({@link #raw()}), which grows up to the largest
     * ClientHello we wait for. Owner thread.
     *
     * @throws SSLHandshakeException when a ClientHello would need more than that
     */
    int readRaw(SocketChannel channel) throws IOException {
        if (netIn == null) {
            netIn = ByteBuffer.allocate(SMALL).flip();
        }
        if (netIn.capacity() - netIn.remaining() < 1024) {
            int grown = Math.min(netIn.capacity() * 2, ClientHelloReader.MAX_HELLO_BYTES + 5);
            if (grown <= netIn.capacity()) {
                throw new SSLHandshakeException("ClientHello larger than " + ClientHelloReader.MAX_HELLO_BYTES);
            }
            netIn = ByteBuffer.allocate(grown).put(netIn).flip();
        }
        netIn.compact();
        try {
            return channel.read(netIn);
        } finally {
            netIn.flip();
        }
    }

    /** The kept raw input, flipped for reading; {@code null} when there is none. Owner thread. */
    ByteBuffer raw() {
        return netIn;
    }

    /**
     * Keeps what is left of {@code in} behind what is kept already; {@code packetSize} is the
     * engine's record size (0 before the engine exists). Owner thread.
     */
    void keepRawInput(ByteBuffer in, int packetSize) {
        if (!in.hasRemaining()) {
            return;
        }
        // Room for what a read can leave behind, so the buffer can be reused (spareNetIn).
        int needed = remaining(netIn) + in.remaining();
        netIn = joined(netIn, spareNetIn, in, needed <= SMALL ? SMALL : TlsScratch.netInCapacity(packetSize));
        spareNetIn = null;
    }

    // ---- plaintext ----

    /** Keeps the plaintext left in {@code app}, at most one record of {@code applicationSize}. Owner thread. */
    void keepApplicationData(ByteBuffer app, int applicationSize) {
        if (!app.hasRemaining()) {
            return;
        }
        // A record's plaintext fits, so the buffer can be reused (spareAppIn).
        appIn = joined(appIn, spareAppIn, app, applicationSize);
        spareAppIn = null;
    }

    /** Moves kept plaintext into {@code dst}, as much as fits; returns how many bytes. Owner thread. */
    int takeApplicationData(ByteBuffer dst) {
        if (appIn == null) {
            return 0;
        }
        int n = moveInto(appIn, dst);
        if (!appIn.hasRemaining()) {
            spareAppIn = appIn.clear();
            appIn = null;
        }
        return n;
    }

    /** Whether plaintext waits for the protocol. Owner thread. */
    boolean holdsApplicationData() {
        return appIn != null;
    }

    /**
     * Whether the protocol has input waiting without the socket: plaintext, or a whole record
     * behind the last one read. Owner thread.
     */
    boolean holdsInput() {
        return appIn != null || (netIn != null && holdsWholeRecord(netIn));
    }

    /** A read is over: the spares of the buffers it left empty go, so an idle connection holds none. Owner thread. */
    void dropSparesIfEmpty() {
        if (netIn == null) {
            spareNetIn = null;
        }
        if (appIn == null) {
            spareAppIn = null;
        }
    }

    // ---- output ----

    /** Keeps the wrapped records left in {@code out} behind those the kernel has not taken yet. Owner thread. */
    void keepOutput(ByteBuffer out) {
        if (out.hasRemaining()) {
            netOut = joined(netOut, null, out, 0);
        }
    }

    /** Whether wrapped records wait for the kernel. Owner thread. */
    boolean holdsOutput() {
        return netOut != null;
    }

    /** Offers the kept records to the socket; returns whether none is left. Owner thread. */
    boolean flush(SocketChannel channel) throws IOException {
        if (netOut == null) {
            return true;
        }
        channel.write(netOut);
        if (!netOut.hasRemaining()) {
            netOut = null;
        }
        return netOut == null;
    }

    // ---- helpers ----

    /** Moves as many bytes as fit from {@code from} to {@code to}; returns how many. */
    static int moveInto(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        int limit = from.limit();
        from.limit(from.position() + n);
        to.put(from);
        from.limit(limit);
        return n;
    }

    private static boolean holdsWholeRecord(ByteBuffer raw) {
        if (raw.remaining() < 5) {
            return false;
        }
        int p = raw.position();
        int length = (raw.get(p + 3) & 0xff) << 8 | (raw.get(p + 4) & 0xff);
        return raw.remaining() >= 5 + length;
    }

    /**
     * {@code kept} (null when nothing is kept) followed by {@code more}, flipped for reading:
     * in {@code spare} when nothing was kept and it is large enough, else in a new buffer of at
     * least {@code room} bytes. The three kept buffers grow only through here.
     */
    private static ByteBuffer joined(ByteBuffer kept, ByteBuffer spare, ByteBuffer more, int room) {
        int needed = remaining(kept) + more.remaining();
        ByteBuffer joined;
        if (kept == null && spare != null && spare.capacity() >= needed) {
            joined = spare;
        } else {
            joined = ByteBuffer.allocate(Math.max(needed, room));
            if (kept != null) {
                joined.put(kept);
            }
        }
        return joined.put(more).flip();
    }

    private static int remaining(ByteBuffer kept) {
        return kept == null ? 0 : kept.remaining();
    }
}
