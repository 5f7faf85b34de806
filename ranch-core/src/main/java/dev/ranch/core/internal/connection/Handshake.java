package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.SessionContext;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.core.transport.tls.TlsTransport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * Drives one {@link SocketConnection} from accepted socket to open connection, and through a
 * STARTTLS upgrade: reads the PROXY header when the listener expects one, creates the transport
 * session (handing it the bytes read past the header), steps the transport's handshake as the
 * socket allows, and switches a plaintext session to TLS once the plaintext written before
 * {@code startTls} has left.
 *
 * <p>It is the {@link SessionContext} the transport session talks to. The connection keeps its
 * lifecycle state, the session in use and the protocol's callbacks; this class sets what the
 * socket needs next on the connection's {@link SelectorInterest}, and tells the connection when
 * the handshake is over ({@link SocketConnection#opened}) or failed
 * ({@link SocketConnection#handshakeFailed}). Owner
 * thread only, like the connection's own fields, except {@link #proxyHeader()} and
 * {@link #executeOnOwner}.
 */
final class Handshake implements SessionContext {

    private final SocketConnection connection;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final Transport transport;
    private final SelectorInterest interest;
    /** Asked whether the plaintext written before a STARTTLS is out. */
    private final WritePath writes;
    /** Assembles the PROXY header until it is complete; {@code null} otherwise. */
    private ProxyHeaderReader proxyReader;
    /** Written once on the owner thread before the protocol exists; read by any thread. */
    private volatile ProxyHeader proxyHeader;
    /** Set by {@link #upgradeTo} until the plaintext queue has drained and the TLS session exists. */
    private TlsOptions tlsUpgrade;
    private boolean upgrading;

    Handshake(SocketConnection connection, EventLoop loop, SocketChannel channel, Transport transport,
              SelectorInterest interest, WritePath writes) {
        this.connection = connection;
        this.loop = loop;
        this.channel = channel;
        this.transport = transport;
        this.interest = interest;
        this.writes = writes;
    }

    /** The connection reads a PROXY header ({@code mode} is not OFF) before its transport session exists. Owner thread. */
    void expectProxyHeader(ProxyMode mode) {
        proxyReader = new ProxyHeaderReader(mode);
    }

    /**
     * Reads what the socket holds of the PROXY header, however many packets it takes into
     * {@code scratch} (the loop's read buffer). Once the header is whole it is recorded, the
     * connection takes its addresses, and {@link SocketConnection#proxyHeaderRead} gets the bytes
     * read past it. Owner thread; a malformed header, or the end of the stream before it, fails
     * the handshake.
     */
    void readProxyHeader(ByteBuffer scratch) {
        try {
            if (!proxyReader.read(channel, scratch)) {
                return;
            }
        } catch (IOException e) {
            connection.handshakeFailed(e);
            return;
        }
        ProxyHeader header = proxyReader.header();
        ByteBuffer rest = proxyReader.rest();
        proxyReader = null;
        proxyHeader = header;
        if (header != null && header.command() == ProxyHeader.Command.PROXY && header.source() != null) {
            connection.proxied(header.source(), header.destination());
        }
        connection.proxyHeaderRead(rest);
    }

    /** The PROXY header received, if one was read and not absent. Any thread. */
    ProxyHeader proxyHeader() {
        return proxyHeader;
    }

    /**
     * Creates the transport session, with {@code prefix} (bytes read past a PROXY header, or
     * {@code null}) in front of what the socket delivers. Owner thread; throws whatever the
     * transport throws.
     */
    TransportSession newSession(ByteBuffer prefix) {
        TransportSession session = transport.newSession(channel, this);
        return prefix == null ? session : session.withPrefix(prefix);
    }

    /** An open plaintext connection asked for TLS: the next {@link #advance} switches once its queue is out. Owner thread. */
    void upgradeTo(TlsOptions tls) {
        tlsUpgrade = tls;
        upgrading = true;
    }

    /** Whether a STARTTLS upgrade is under way, so the session in use is not the one to describe. Owner thread. */
    boolean isUpgrading() {
        return upgrading;
    }

    /**
     * Takes the transport handshake one step, as far as the socket allows without waiting, and
     * sets the interest it then waits on. Owner thread, called while the connection is
     * handshaking; a failure of the transport fails the handshake.
     */
    void advance() {
        HandshakeStatus status;
        try {
            if (tlsUpgrade != null && !beginTls()) {
                return;
            }
            status = connection.session().handshake(channel);
        } catch (IOException | RuntimeException e) {
            connection.handshakeFailed(e);
            return;
        }
        switch (status) {
            case DONE:
                boolean upgraded = upgrading;
                upgrading = false;
                connection.opened(upgraded);
                break;
            case NEED_READ:
                interest.set(SelectionKey.OP_READ);
                break;
            case NEED_WRITE:
                interest.set(SelectionKey.OP_WRITE);
                break;
            case PENDING:
                interest.set(0);
                break;
            default:
                throw new AssertionError(status);
        }
    }

    /**
     * Switches to TLS once the plaintext written before {@code startTls} is out.
     *
     * @return {@code false} while plaintext is still queued (the socket's writability brings us back)
     */
    private boolean beginTls() throws IOException {
        if (!writes.plaintextSent()) {
            interest.set(SelectionKey.OP_WRITE);
            return false;
        }
        TlsTransport tls = Transports.tls(tlsUpgrade);
        tlsUpgrade = null;
        connection.session(tls.newSession(channel, this));
        return true;
    }

    // ---- SessionContext: what the transport session may ask ----

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void executeOnOwner(Runnable task) {
        loop.execute(task);
    }

    @Override
    public void continueHandshake() {
        if (connection.isHandshaking()) {
            advance();
        }
    }
}
