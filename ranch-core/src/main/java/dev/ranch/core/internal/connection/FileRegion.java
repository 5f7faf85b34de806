package dev.ranch.core.internal.connection;

import dev.ranch.core.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * A part of a file waiting to be sent, owned by an {@link OutboundQueue}: it closes the
 * channel once the part is sent, or when the connection is gone. Owner loop thread only.
 */
final class FileRegion {

    private static final Logger LOG = LoggerFactory.getLogger(FileRegion.class);

    private final FileChannel file;
    private long position;
    private long remaining;

    FileRegion(FileChannel file, long position, long count) {
        this.file = file;
        this.position = position;
        this.remaining = count;
    }

    /** Sends as much as the socket takes now; returns the bytes sent. */
    long transferTo(TransportSession session, SocketChannel channel) throws IOException {
        long n = session.transferFile(file, position, remaining, channel);
        if (n < 0) {
            throw new IOException("the file ended " + remaining + " bytes before the region sent from it");
        }
        position += n;
        remaining -= n;
        return n;
    }

    boolean isDone() {
        return remaining == 0;
    }

    long remaining() {
        return remaining;
    }

    void close() {
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("closing a sent file failed", e);
        }
    }
}
