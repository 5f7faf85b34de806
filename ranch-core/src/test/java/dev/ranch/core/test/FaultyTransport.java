package dev.ranch.core.test;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.transport.Transports;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TCP with switches that make one step throw a {@link RuntimeException}, as a buggy TLS or
 * PROXY transport might: each switch fires once, for the next connection that reaches it.
 */
public final class FaultyTransport implements Transport {

    private final Transport tcp = Transports.tcp();

    /** Makes the next {@link #configureAccepted} throw, on the acceptor thread. */
    public final AtomicBoolean failConfigure = new AtomicBoolean();
    /** Makes the next {@link #newSession} throw, on the loop thread. */
    public final AtomicBoolean failNewSession = new AtomicBoolean();
    /** Makes the next {@link TransportSession#beforeClose} throw, on the loop thread. */
    public final AtomicBoolean failBeforeClose = new AtomicBoolean();

    @Override
    public String name() {
        return "faulty-tcp";
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException {
        return tcp.listen(address, backlog, reusePort);
    }

    @Override
    public void configureAccepted(SocketChannel channel, ListenerOptions options) throws IOException {
        tcp.configureAccepted(channel, options);
        if (failConfigure.getAndSet(false)) {
            throw new IllegalArgumentException("injected: configureAccepted");
        }
    }

    @Override
    public TransportSession newSession(SocketChannel channel) {
        if (failNewSession.getAndSet(false)) {
            throw new IllegalStateException("injected: newSession");
        }
        TransportSession plain = tcp.newSession(channel);
        return new TransportSession() {
            @Override
            public HandshakeStatus handshake(SocketChannel c) throws IOException {
                return plain.handshake(c);
            }

            @Override
            public int read(SocketChannel c, ByteBuffer dst) throws IOException {
                return plain.read(c, dst);
            }

            @Override
            public long write(SocketChannel c, ByteBuffer[] srcs, int offset, int length) throws IOException {
                return plain.write(c, srcs, offset, length);
            }

            @Override
            public int write(SocketChannel c, ByteBuffer src) throws IOException {
                return plain.write(c, src);
            }

            @Override
            public void beforeClose(SocketChannel c) {
                if (failBeforeClose.getAndSet(false)) {
                    throw new IllegalStateException("injected: beforeClose");
                }
            }
        };
    }
}
