package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;

import javax.net.ssl.SSLContext;

/**
 * Chooses the certificate for a TLS connection from the server name its client asked for
 * (SNI, RFC 6066 §3), before the handshake goes on: the hook Ranch calls
 * {@code handshake_continue}. Called on the connection's owner loop, once per connection,
 * after the whole ClientHello has arrived; it must not block.
 */
@FunctionalInterface
public interface ServerNameSelector {

    /**
     * @param serverName the host name the client asked for, lower-cased, or {@code null} when
     *     its ClientHello carries no server name
     * @param connection the connection being handshaken; its peer address and attributes are
     *     available, its protocol has not seen a byte yet
     * @return the context whose certificate answers this client, or {@code null} to refuse the
     *     connection (it is closed; the listener goes on)
     */
    SSLContext select(String serverName, Connection connection);
}
