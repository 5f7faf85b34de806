package dev.ranch.core.internal.transport.tls;

import dev.ranch.core.transport.tls.ServerNameSelector;
import dev.ranch.core.transport.tls.TlsInfo;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.SessionContext;
import dev.ranch.core.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;

/**
 * One TLS connection's {@link SSLEngine} between the socket and the protocol. Owner thread
 * only, except the delegated tasks, which run on {@link TlsOptions#taskExecutor()} while the
 * loop leaves the engine alone ({@code taskRunning}); the executor's hand-off and the loop's
 * task queue order those accesses.
 *
 * <p>Work happens in the loop's {@link TlsScratch} buffers. What outlives a call (a partial
 * record, plaintext the protocol has not taken, records the kernel has not taken) is copied
 * into the session's {@link KeptBuffers}, which hold a buffer only while it holds bytes.
 */
public final class TlsSession implements TransportSession, TlsInfo {

    private static final Logger LOG = LoggerFactory.getLogger(TlsSession.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final TlsOptions options;
    private final SessionContext context;
    private final KeptBuffers kept = new KeptBuffers();
    private SSLEngine engine;
    private int packetSize;
    private int applicationSize;
    private boolean handshakeDone;
    private boolean taskRunning;
    private boolean inboundDone;
    private String serverName;

    /** @param context the connection's context, or {@code null}: then delegated tasks run inline */
    public TlsSession(TlsOptions options, SessionContext context) {
        this.options = options;
        this.context = context;
    }

    // ---- handshake ----

    @Override
    public HandshakeStatus handshake(SocketChannel channel) throws IOException {
        try {
            return advance(channel);
        } catch (SSLException e) {
            sendAlert(channel);
            throw e;
        }
    }

    /** Offers the peer the alert the engine holds after a failure, so it learns why; best effort. */
    private void sendAlert(SocketChannel channel) {
        // While a delegated task runs, the engine belongs to the task's thread.
        if (engine == null || taskRunning) {
            return;
        }
        try {
            engine.closeOutbound();
            ByteBuffer out = TlsScratch.get().netOut(packetSize);
            engine.wrap(EMPTY, out);
            out.flip();
            if (flushPending(channel)) {
                channel.write(out);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("TLS alert not sent", e);
        }
    }

    private HandshakeStatus advance(SocketChannel channel) throws IOException {
        while (true) {
            if (taskRunning) {
                return HandshakeStatus.PENDING;
            }
            if (!flushPending(channel)) {
                return HandshakeStatus.NEED_WRITE;
            }
            if (engine == null && !chooseEngine(channel)) {
                return HandshakeStatus.NEED_READ;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK:
                    if (runTasks()) {
                        return HandshakeStatus.PENDING;
                    }
                    break;
                case NEED_WRAP:
                    wrapControl(channel);
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (!unwrapHandshake(channel)) {
                        return HandshakeStatus.NEED_READ;
                    }
                    break;
                default:
                    handshakeDone = true;
                    return HandshakeStatus.DONE;
            }
        }
    }

    /**
     * Creates the engine, first reading the whole ClientHello when a server-name selector must
     * choose the context.
     *
     * @return whether the engine exists; {@code false} while the ClientHello is incomplete
     */
    private boolean chooseEngine(SocketChannel channel) throws IOException {
        SSLContext chosen = options.context();
        ServerNameSelector selector = options.serverNames();
        if (selector != null) {
            int read = kept.readRaw(channel);
            ClientHelloReader.Hello hello = ClientHelloReader.read(kept.raw());
            if (hello == ClientHelloReader.Hello.INCOMPLETE) {
                if (read < 0) {
                    throw new EOFException("peer closed before its ClientHello was complete");
                }
                return false;
            }
            serverName = hello.serverName;
            try {
                chosen = selector.select(serverName, context == null ? null : context.connection());
            } catch (RuntimeException e) {
                throw new SSLHandshakeException("server name selector failed for '" + serverName + "': " + e);
            }
            if (chosen == null) {
                throw new SSLHandshakeException("server name '" + serverName + "' refused by the selector");
            }
        }
        engine = options.newEngine(chosen);
        if (options.isClient()) {
            serverName = options.serverName();
        }
        SSLSession session = engine.getSession();
        packetSize = session.getPacketBufferSize();
        applicationSize = session.getApplicationBufferSize();
        engine.beginHandshake();
        return true;
    }

    /**
     * Feeds the engine one step of the peer's handshake flight.
     *
     * @return {@code false} when it needs bytes the socket does not have yet
     */
    private boolean unwrapHandshake(SocketChannel channel) throws IOException {
        ByteBuffer in = TlsScratch.get().netIn(packetSize);
        int read = kept.fill(channel, in);
        in.flip();
        SSLEngineResult result;
        try {
            ByteBuffer app = TlsScratch.get().app(applicationSize);
            result = engine.unwrap(in, app);
            // Application data right behind the client's Finished: keep it for the first read.
            kept.keepApplicationData(app.flip(), applicationSize);
        } finally {
            kept.keepRawInput(in, packetSize);
        }
        switch (result.getStatus()) {
            case OK:
                return true;
            case BUFFER_UNDERFLOW:
                if (read < 0) {
                    throw new EOFException("peer closed during the TLS handshake");
                }
                return false;
            case CLOSED:
                throw new SSLHandshakeException("peer closed the TLS session during its handshake");
            default:
                throw new SSLException("unexpected unwrap status " + result.getStatus());
        }
    }

    /**
     * Runs the engine's delegated tasks on the task executor.
     *
     * @return {@code true} when they run elsewhere and the handshake continues later
     */
    private boolean runTasks() {
        if (context == null) {
            runTasksHere();
            return false;
        }
        taskRunning = true;
        try {
            options.taskExecutor().execute(() -> {
                try {
                    runTasksHere();
                } finally {
                    context.executeOnOwner(() -> {
                        taskRunning = false;
                        context.continueHandshake();
                    });
                }
            });
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            runTasksHere();
            return false;
        }
        return true;
    }

    private void runTasksHere() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    // ---- reading ----

    @Override
    public int read(SocketChannel channel, ByteBuffer dst) throws IOException {
        int n = kept.takeApplicationData(dst);
        if (inboundDone) {
            return n > 0 ? n : -1;
        }
        if (!dst.hasRemaining()) {
            return n;
        }
        ByteBuffer in = TlsScratch.get().netIn(packetSize);
        int read = kept.fill(channel, in);
        in.flip();
        try {
            n += unwrapInto(in, dst);
        } catch (SSLException e) {
            sendAlert(channel);
            throw e;
        } finally {
            kept.keepRawInput(in, packetSize);
        }
        kept.dropSparesIfEmpty();
        if (kept.holdsOutput()) {
            flushPending(channel);
        }
        if (n == 0 && (inboundDone || read < 0)) {
            if (!inboundDone) {
                LOG.debug("TLS peer closed its socket without close_notify");
            }
            return -1;
        }
        return n;
    }

    /** Unwraps whole records from {@code in} into {@code dst} until one of them runs out. */
    private int unwrapInto(ByteBuffer in, ByteBuffer dst) throws IOException {
        int produced = 0;
        KeptBuffers kept = this.kept;  // a local: the check before every record stays one field load
        while (in.hasRemaining() && !kept.holdsApplicationData() && !inboundDone && dst.hasRemaining()) {
            boolean direct = dst.remaining() >= applicationSize;
            ByteBuffer target = direct ? dst : TlsScratch.get().app(applicationSize);
            SSLEngineResult result = engine.unwrap(in, target);
            if (direct) {
                produced += result.bytesProduced();
            } else {
                target.flip();
                produced += KeptBuffers.moveInto(target, dst);
                kept.keepApplicationData(target, applicationSize);
            }
            switch (result.getStatus()) {
                case OK:
                    break;
                case CLOSED:
                    // RFC 8446 §6.1: the peer sent close_notify; nothing more will come.
                    inboundDone = true;
                    break;
                case BUFFER_UNDERFLOW:
                    return produced;
                default:
                    throw new SSLException("unexpected unwrap status " + result.getStatus());
            }
            afterHandshakeMessage(result);
            if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                break;
            }
        }
        return produced;
    }

    /**
     * Answers what a record after the handshake asked for: a TLS 1.3 KeyUpdate, or the reply
     * to a TLS 1.2 close_notify.
     *
     * @throws SSLHandshakeException when a TLS 1.2 client starts a renegotiation
     */
    private void afterHandshakeMessage(SSLEngineResult result) throws IOException {
        SSLEngineResult.HandshakeStatus status = result.getHandshakeStatus();
        if (result.getStatus() == SSLEngineResult.Status.OK && isHandshaking(status)
                && !"TLSv1.3".equals(engine.getSession().getProtocol())) {
            // Before TLS 1.3 the only handshake message a client sends after the handshake is a
            // ClientHello asking to renegotiate, which a server may refuse (RFC 5246 §7.2.2,
            // no_renegotiation). Refused before its delegated task runs: a renegotiation costs
            // the server a signature and a key exchange on the event loop each time a client
            // asks, for free (CVE-2011-1473). TLS 1.3 has no renegotiation (RFC 8446 §4.1.2).
            throw new SSLHandshakeException("client-initiated renegotiation refused");
        }
        while (status == SSLEngineResult.HandshakeStatus.NEED_TASK || status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasksHere();
            } else {
                ByteBuffer out = TlsScratch.get().netOut(packetSize);
                engine.wrap(EMPTY, out);
                kept.keepOutput(out.flip());
            }
            status = engine.getHandshakeStatus();
        }
    }

    private static boolean isHandshaking(SSLEngineResult.HandshakeStatus status) {
        return status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && status != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /**
     * Also holds once the peer's close_notify is read: a read then reports the end of the
     * stream, which the selector will not announce when the alert came with the last data and
     * the peer keeps its socket open for our answer (RFC 8446 §6.1 half-close).
     */
    @Override
    public boolean hasBufferedInput() {
        return inboundDone || kept.holdsInput();
    }

    @Override
    public TransportSession withPrefix(ByteBuffer prefix) {
        kept.keepRawInput(prefix, packetSize);
        return this;
    }

    // ---- writing ----

    @Override
    public int write(SocketChannel channel, ByteBuffer src) throws IOException {
        ByteBuffer[] one = TlsScratch.get().one;
        one[0] = src;
        try {
            return (int) write(channel, one, 0, 1);
        } finally {
            one[0] = null;
        }
    }

    @Override
    public long write(SocketChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!flushPending(channel)) {
            return 0;
        }
        ByteBuffer out = TlsScratch.get().netOut(packetSize);
        long offered = 0;
        for (int i = offset; i < offset + length; i++) {
            offered += srcs[i].remaining();
        }
        long consumed = 0;
        // Stops once everything is wrapped: one more wrap would only find nothing to do, at
        // the cost of a result object and the engine's own bookkeeping on every write.
        while (consumed < offered && out.remaining() >= packetSize) {
            SSLEngineResult result = engine.wrap(srcs, offset, length, out);
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("TLS session already closed for writing");
            }
            consumed += result.bytesConsumed();
            if (result.bytesConsumed() == 0) {
                break;
            }
        }
        out.flip();
        channel.write(out);
        kept.keepOutput(out);
        return consumed;
    }

    /** Reads file bytes into the loop's buffer and encrypts them: the kernel cannot copy them for us. */
    @Override
    public long transferFile(FileChannel file, long position, long count, SocketChannel channel) throws IOException {
        if (kept.holdsOutput() && !flushPending(channel)) {
            return 0;
        }
        ByteBuffer chunk = TlsScratch.get().file(count);
        int read = file.read(chunk, position);
        if (read < 0) {
            return -1;
        }
        chunk.flip();
        // Bytes read but not wrapped are read again next time, from the new position.
        return write(channel, chunk);
    }

    @Override
    public boolean hasPendingOutput() {
        return kept.holdsOutput();
    }

    @Override
    public boolean flushPending(SocketChannel channel) throws IOException {
        return kept.flush(channel);
    }

    /** Wraps what the handshake wants to send and offers it to the socket. */
    private void wrapControl(SocketChannel channel) throws IOException {
        ByteBuffer out = TlsScratch.get().netOut(packetSize);
        SSLEngineResult result = engine.wrap(EMPTY, out);
        out.flip();
        channel.write(out);
        kept.keepOutput(out);
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            // The engine failed the handshake and wrapped its alert; send it, then give up.
            flushPending(channel);
            throw new SSLHandshakeException("TLS handshake failed; alert sent to the peer");
        }
    }

    @Override
    public void beforeClose(SocketChannel channel) {
        if (engine == null) {
            return;
        }
        // RFC 8446 §6.1: each side sends close_notify before closing its write side.
        sendAlert(channel);
    }

    // ---- what the handshake settled ----

    @Override
    public TlsInfo tlsInfo() {
        return handshakeDone ? this : null;
    }

    @Override
    public SSLSession session() {
        return engine.getSession();
    }

    @Override
    public String applicationProtocol() {
        String id = engine.getApplicationProtocol();
        return id == null || id.isEmpty() ? null : id;
    }

    @Override
    public String serverName() {
        if (serverName == null && engine.getSession() instanceof ExtendedSSLSession) {
            for (SNIServerName name : ((ExtendedSSLSession) engine.getSession()).getRequestedServerNames()) {
                if (name instanceof SNIHostName) {
                    serverName = ((SNIHostName) name).getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return serverName;
    }
}
