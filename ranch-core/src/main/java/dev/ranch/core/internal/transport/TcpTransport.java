package dev.ranch.core.internal.transport;

import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.listener.ListenerOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Plain TCP: no handshake, bytes pass through unchanged. One instance serves every listener
 * and, as its own {@link TransportSession}, every connection, so a TCP connection carries
 * no transport state at all.
 */
public final class TcpTransport implements Transport, TransportSession {

    public static final TcpTransport INSTANCE = new TcpTransport();

    private TcpTransport() {}

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException {
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("the tcp transport needs an IP address and port; for a socket file use "
                    + "Transports.unix(), got " + address);
        }
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            // Lets a restarted listener bind while old connections sit in TIME_WAIT.
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new UnsupportedOperationException(
                            "reusePort and numListenSockets > 1 need SO_REUSEPORT, which this platform ("
                                    + System.getProperty("os.name") + ") does not support");
                }
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
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
        channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
        if (options.keepAlive()) {
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        }
        if (options.receiveBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
        }
        if (options.sendBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
        }
        if (options.lingerSeconds() >= 0) {
            channel.setOption(StandardSocketOptions.SO_LINGER, options.lingerSeconds());
        }
    }

    @Override
    public TransportSession newSession(SocketChannel channel) {
        return this;
    }

    @Override
    public HandshakeStatus handshake(SocketChannel channel) {
        return HandshakeStatus.DONE;
    }

    @Override
    public int read(SocketChannel channel, ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public long write(SocketChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    public int write(SocketChannel channel, ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    @Override
    public long transferFile(FileChannel file, long position, long count, SocketChannel channel) throws IOException {
        if (position >= file.size()) {
            return count == 0 ? 0 : -1;
        }
        // sendfile(2): the kernel copies from the page cache to the socket, no heap in between.
        return file.transferTo(position, count, channel);
    }
}
