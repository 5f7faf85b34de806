package dev.ranch.core.internal.transport;

import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.listener.ListenerOptions;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;

/**
 * Unix domain sockets (Java 16+): the same protocols and limits as TCP on a socket file.
 * Bytes pass through unchanged, as with {@link TcpTransport}, whose session it shares. TCP
 * socket options do not apply and are ignored; the socket file is deleted when the listener
 * stops.
 */
public final class UnixTransport implements Transport {

    public static final UnixTransport INSTANCE = new UnixTransport();

    private UnixTransport() {}

    @Override
    public String name() {
        return "unix";
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException {
        if (!(address instanceof UnixDomainSocketAddress)) {
            throw new IllegalArgumentException("the unix transport needs a socket file: set ListenerOptions.unixPath, got "
                    + address);
        }
        if (reusePort) {
            throw new UnsupportedOperationException("numListenSockets > 1 (SO_REUSEPORT) is not possible on a Unix domain socket");
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(address, backlog);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void configureAccepted(SocketChannel channel, ListenerOptions options) throws IOException {
        channel.configureBlocking(false);
    }

    @Override
    public void unbind(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            try {
                Files.deleteIfExists(((UnixDomainSocketAddress) address).getPath());
            } catch (IOException ignored) {
                // Best effort: a leftover file only makes the next bind on this path fail clearly.
            }
        }
    }

    @Override
    public TransportSession newSession(SocketChannel channel) {
        return TcpTransport.INSTANCE;
    }
}
