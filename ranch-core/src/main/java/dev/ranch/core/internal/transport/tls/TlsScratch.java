package dev.ranch.core.internal.transport.tls;

import java.nio.ByteBuffer;

/**
 * The buffers TLS sessions work in, one set per event loop thread. A session uses them only
 * inside one call and copies out what must survive it (a partial record, decrypted bytes the
 * protocol has not taken, records the kernel has not taken) into its {@link KeptBuffers}, so an
 * idle TLS connection holds no buffer at all.
 */
final class TlsScratch {

    /** Raw bytes read per call, and the most wrapped per write: four full records. */
    private static final int WINDOW = 64 * 1024;

    private static final ThreadLocal<TlsScratch> PER_THREAD = ThreadLocal.withInitial(TlsScratch::new);

    private ByteBuffer netIn = ByteBuffer.allocateDirect(0);
    private ByteBuffer netOut = ByteBuffer.allocateDirect(0);
    private ByteBuffer app = ByteBuffer.allocate(0);
    private final ByteBuffer file = ByteBuffer.allocate(WINDOW);
    final ByteBuffer[] one = new ByteBuffer[1];

    private TlsScratch() {}

    /** The calling thread's buffers. */
    static TlsScratch get() {
        return PER_THREAD.get();
    }

    /** The most raw input one read takes in: a window plus one record. */
    static int netInCapacity(int packetSize) {
        return WINDOW + packetSize;
    }

    /** A cleared buffer for raw input, with room for a window plus one record. */
    ByteBuffer netIn(int packetSize) {
        if (netIn.capacity() < netInCapacity(packetSize)) {
            netIn = ByteBuffer.allocateDirect(netInCapacity(packetSize));
        }
        return netIn.clear();
    }

    /** A cleared buffer for wrapped output, with room for a window plus one record. */
    ByteBuffer netOut(int packetSize) {
        if (netOut.capacity() < WINDOW + packetSize) {
            netOut = ByteBuffer.allocateDirect(WINDOW + packetSize);
        }
        return netOut.clear();
    }

    /** A cleared buffer that holds the plaintext of one record. */
    ByteBuffer app(int applicationSize) {
        if (app.capacity() < applicationSize) {
            app = ByteBuffer.allocate(applicationSize);
        }
        return app.clear();
    }

    /** A cleared buffer for file bytes on their way to {@code wrap}, at most {@code limit} long. */
    ByteBuffer file(long limit) {
        file.clear();
        if (limit < file.capacity()) {
            file.limit((int) limit);
        }
        return file;
    }
}
