package dev.ranch.core.internal.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;

/**
 * The listening socket a launcher handed this process on standard input, as the JDK exposes
 * it through {@code System.inheritedChannel()}: systemd with {@code StandardInput=socket} and
 * {@code Accept=no}, inetd in {@code wait} mode, or a script that binds the port and starts
 * the JVM with the socket as descriptor 0. The JDK looks at descriptor 0 only, never at
 * systemd's {@code LISTEN_FDS}.
 */
final class InheritedListenSocket {

    private InheritedListenSocket() {}

    /**
     * The inherited listening channel, in blocking mode for the acceptors.
     *
     * @throws IllegalStateException when nothing was inherited, or the channel is not a
     *     listening socket (an accepted connection, inetd's {@code nowait}, a datagram socket),
     *     or it was already closed by an earlier suspend or stop
     * @throws UncheckedIOException when the channel cannot be put in blocking mode
     */
    static ServerSocketChannel take(String listenerName) {
        Channel inherited;
        try {
            inherited = System.inheritedChannel();
        } catch (IOException e) {
            throw new UncheckedIOException("listener '" + listenerName + "' could not read the inherited channel", e);
        }
        if (inherited == null) {
            throw new IllegalStateException("listener '" + listenerName + "' was asked to serve an inherited channel,"
                    + " but standard input is not a socket: start the process with a listening socket on"
                    + " descriptor 0 (systemd StandardInput=socket with Accept=no, inetd wait)");
        }
        if (!(inherited instanceof ServerSocketChannel)) {
            throw new IllegalStateException("listener '" + listenerName + "' was asked to serve an inherited channel,"
                    + " but standard input is a " + inherited.getClass().getSimpleName()
                    + ", not a listening socket (systemd Accept=yes and inetd nowait hand over one accepted"
                    + " connection; use Accept=no or wait)");
        }
        if (!inherited.isOpen()) {
            throw new IllegalStateException("listener '" + listenerName + "': the inherited listening socket was"
                    + " closed by an earlier suspend or stop and cannot be listened on again");
        }
        ServerSocketChannel channel = (ServerSocketChannel) inherited;
        try {
            channel.configureBlocking(true);
        } catch (IOException e) {
            throw new UncheckedIOException("listener '" + listenerName + "' could not use the inherited channel", e);
        }
        return channel;
    }
}
