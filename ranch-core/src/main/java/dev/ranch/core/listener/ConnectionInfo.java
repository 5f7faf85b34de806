package dev.ranch.core.listener;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * A snapshot of one live connection, from {@link Listener#connections()}. Byte counts are
 * read without synchronisation and may lag the owner loop by a few operations.
 *
 * @param id the connection's id
 * @param peer the peer's address
 * @param age time since the connection was accepted
 * @param bytesIn bytes read from the peer
 * @param bytesOut bytes handed to the kernel for the peer
 * @param counted whether it counts against {@code maxConnections} (false after
 *     {@code removeFromCount()} and for rejected connections)
 */
public record ConnectionInfo(long id, SocketAddress peer, Duration age, long bytesIn, long bytesOut,
                             boolean counted) {
}
