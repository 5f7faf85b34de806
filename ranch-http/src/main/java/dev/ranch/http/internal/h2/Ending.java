package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.ranch.http.internal.h2.ErrorCode.NO_ERROR;

/**
 * How an HTTP/2 connection ends: the GOAWAY it sent or received (RFC 9113 §6.8), the
 * connection error that ends it at once (§5.4.1), and the close once the last stream allowed
 * to finish has. After a GOAWAY either way no new stream is processed; once {@link
 * #isClosing()} no new timer or frame is started either.
 *
 * <p>Owner thread only; one per {@link Http2Connection}.
 */
final class Ending {

    private static final Logger LOG = LoggerFactory.getLogger(Ending.class);

    private final Connection connection;
    private final FrameWriter writer;
    private final StreamTable streams;
    private final Exchanges exchanges;
    private boolean closing;
    private boolean goAwaySent;
    private boolean goAwayReceived;

    Ending(Connection connection, FrameWriter writer, StreamTable streams, Exchanges exchanges) {
        this.connection = connection;
        this.writer = writer;
        this.streams = streams;
        this.exchanges = exchanges;
    }

    /** Whether the connection is ending: no new timers, no new streams, input ignored. */
    boolean isClosing() {
        return closing;
    }

    /** Whether a GOAWAY went either way, so new streams are not processed (§6.8). */
    boolean refusesNewStreams() {
        return goAwaySent || goAwayReceived;
    }

    /**
     * A graceful GOAWAY, once: streams up to {@code lastStreamId} are still answered, later ones
     * are not. The connection closes when its last stream has ended ({@link #closeIfDone}).
     */
    void announce(int lastStreamId, String why) {
        if (!goAwaySent) {
            writer.goAway(lastStreamId, NO_ERROR, why);
            goAwaySent = true;
        }
    }

    /** The client sent GOAWAY: the connection closes once its streams are done. */
    void received(int errorCode) {
        goAwayReceived = true;
        if (errorCode != NO_ERROR) {
            LOG.debug("connection {}: client sent GOAWAY {}", connection.id(), ErrorCode.name(errorCode));
        }
        closeIfDone();
    }

    /** After a GOAWAY either way, closes once the last stream has ended. */
    void closeIfDone() {
        if (refusesNewStreams() && streams.isEmpty() && !closing) {
            closing = true;
            writer.flush();
            connection.close();
        }
    }

    /** No stream is open and none may come (idle timeout): GOAWAY unless one went, and close now. */
    void goAwayAndClose(String why) {
        announce(streams.lastClientStreamId(), why);
        closing = true;
        writer.flush();
        connection.close();
    }

    /** A connection error (§5.4.1): GOAWAY with {@code code}, every stream dropped, close. */
    void error(int code, String why) {
        if (closing) {
            return;
        }
        LOG.debug("connection {}: GOAWAY {}: {}", connection.id(), ErrorCode.name(code), why);
        writer.goAway(streams.lastClientStreamId(), code, why);
        goAwaySent = true;
        dropStreams();
        writer.flush();
        connection.close();
    }

    /** The socket closed under the connection: every stream still open is dropped. */
    void closed() {
        dropStreams();
    }

    private void dropStreams() {
        closing = true;
        for (Stream s : streams.clear()) {
            exchanges.closed(s);
            s.dropOutput();
        }
    }
}
