package dev.ranch.core.transport.tls;

import javax.net.ssl.SSLSession;

/**
 * What a TLS handshake settled, as {@code Connection.tls()} shows it once the handshake is
 * done. Read it on the connection's owner thread.
 */
public interface TlsInfo {

    /** The negotiated session: protocol version, cipher suite, peer certificates. */
    SSLSession session();

    /** The ALPN protocol both sides agreed on (RFC 7301 §3.2), or {@code null} when none was. */
    String applicationProtocol();

    /**
     * On a server, the server name the client asked for (SNI), lower-cased, or {@code null}
     * when it asked for none; on a client, the name it connected to and verified.
     */
    String serverName();
}
