package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.internal.h2.Http2Server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decides, once per connection, whether it speaks HTTP/1.1 or HTTP/2, then hands every
 * callback to that protocol. Over TLS the ALPN result decides ({@code h2}, RFC 9113 §3.2);
 * on plain TCP the first bytes do: the 24-octet h2c preface with prior knowledge (§3.3)
 * means HTTP/2, anything else is HTTP/1.1. The {@code Upgrade: h2c} exchange is not offered
 * (§3.1 deprecates it). Until the choice, the connection is bounded by the request header
 * timeout, as an HTTP/1.1 connection is before its first request.
 */
public final class ProtocolChoice implements Protocol {

    private static final Object UNDECIDED = new Object();
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final HttpConnection http1;
    private final Http2Server http2;
    private final dev.ranch.http.HttpOptions options;
    private Protocol chosen;
    /** The first bytes of a plain connection while they could still be the preface. */
    private byte[] seen;
    private dev.ranch.core.Timer undecided;
    /** A graceful stop reached the connection before its first bytes: see {@link #onShutdown}. */
    private boolean shutdownPending;
    private boolean seenFirstBytes;

    /**
     * The protocol factory behind {@code HttpServer.protocol}: each connection speaks HTTP/1.1
     * or HTTP/2, and all share {@code budget} (tests read it). Any thread.
     */
    public static ProtocolFactory factory(Router router, HttpOptions options, BodyBudget budget) {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(options, "options");
        byte[] serverLine = options.serverHeader() == null ? null
                : ("Server: " + options.serverHeader() + "\r\n").getBytes(StandardCharsets.US_ASCII);
        Http2Server http2 = new Http2Server(router, options, budget);
        return connection -> new ProtocolChoice(new HttpConnection(router, options, serverLine, budget), http2, options);
    }

    ProtocolChoice(HttpConnection http1, Http2Server http2, dev.ranch.http.HttpOptions options) {
        this.http1 = http1;
        this.http2 = http2;
        this.options = options;
    }

    @Override
    public void init(Connection c) {
        c.handshake();
    }

    @Override
    public void onHandshake(Connection c) {
        if (c.tls().isPresent()) {
            String alpn = c.tls().get().applicationProtocol();
            if ("h2".equals(alpn)) {
                chosen = http2.takeOver(c);
            } else {
                chooseHttp1(c);
            }
            return;
        }
        undecided = c.schedule(options.requestHeaderTimeout(), UNDECIDED);
    }

    private void chooseHttp1(Connection c) {
        http1.attach(c);
        chosen = http1;
        http1.onHandshake(c);
    }

    @Override
    public void onData(Connection c, ByteBuffer data) {
        seenFirstBytes = true;
        if (chosen != null) {
            chosen.onData(c, data);
            passOnPendingShutdown(c);
            return;
        }
        int have = seen == null ? 0 : seen.length;
        int start = data.position();
        int take = Math.min(PREFACE.length - have, data.remaining());
        byte[] now = seen == null ? new byte[take] : Arrays.copyOf(seen, have + take);
        data.get(now, have, take);
        boolean prefix = Arrays.equals(now, 0, now.length, PREFACE, 0, now.length);
        if (prefix && now.length < PREFACE.length) {
            seen = now;  // wait for the rest of the preface
            return;
        }
        undecided.cancel();
        if (prefix) {
            chosen = http2.takeOver(c);
        } else {
            chooseHttp1(c);
        }
        ByteBuffer first = data.position(start);
        if (seen != null) {
            // Part of the first bytes came in an earlier read: they go first.
            first = ByteBuffer.allocate(have + data.remaining()).put(seen).put(data).flip();
            data.position(data.limit());
        }
        seen = null;
        chosen.onData(c, first);
        passOnPendingShutdown(c);
    }

    private void passOnPendingShutdown(Connection c) {
        if (shutdownPending) {
            shutdownPending = false;
            chosen.onShutdown(c);
        }
    }

    @Override
    public void onMessage(Connection c, Object message) {
        if (chosen != null) {
            chosen.onMessage(c, message);
        }
    }

    @Override
    public void onUndelivered(Connection c, Object message) {
        if (chosen != null) {
            chosen.onUndelivered(c, message);
        }
    }

    @Override
    public void onTimeout(Connection c, Object token) {
        if (chosen != null) {
            chosen.onTimeout(c, token);
        } else if (token == UNDECIDED) {
            c.close();  // nothing (or too little to tell) arrived in time
        }
    }

    @Override
    public void onIdle(Connection c) {
        if (chosen != null) {
            chosen.onIdle(c);
        } else {
            c.close();
        }
    }

    @Override
    public void onWritabilityChanged(Connection c, boolean writable) {
        if (chosen != null) {
            chosen.onWritabilityChanged(c, writable);
        }
    }

    /**
     * Before the connection's first bytes, the stop waits for them and passes itself on to the
     * chosen protocol once they have been handed over, so the first request is answered (with
     * {@code Connection: close}) rather than lost: a client that has just connected has seen
     * nothing that tells it the server is leaving, and a request lost on a fresh connection is
     * one no client retries. Closing at once would send a FIN before the request (the client
     * reads end of stream) or, with the request already in the kernel, a reset. A connection
     * that never speaks is still cut by the request header timeout (or, over TLS, the
     * handshake timeout).
     */
    @Override
    public void onShutdown(Connection c) {
        if (chosen != null && seenFirstBytes) {
            chosen.onShutdown(c);
        } else {
            shutdownPending = true;
        }
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        if (chosen != null) {
            chosen.onClose(c, cause);
        }
    }
}
