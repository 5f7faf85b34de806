package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;

import java.nio.ByteBuffer;

/**
 * The protocol callbacks a {@link SocketConnection} makes, each with how to call it and the
 * method name its crash log line shows. {@link #INIT} is made by the connection itself, since
 * it first creates the protocol.
 */
enum ProtocolCallback {
    INIT("init", (p, c, a) -> p.init(c)),
    HANDSHAKE("onHandshake", (p, c, a) -> p.onHandshake(c)),
    TLS_STARTED("onTlsStarted", (p, c, a) -> p.onTlsStarted(c)),
    REJECTED("onRejected", (p, c, a) -> p.onRejected(c)),
    DATA("onData", (p, c, a) -> p.onData(c, (ByteBuffer) a)),
    MESSAGE("onMessage", Protocol::onMessage),
    UNDELIVERED("onUndelivered", Protocol::onUndelivered),
    TIMEOUT("onTimeout", Protocol::onTimeout),
    IDLE("onIdle", (p, c, a) -> p.onIdle(c)),
    WRITABILITY("onWritabilityChanged", (p, c, a) -> p.onWritabilityChanged(c, (Boolean) a)),
    SHUTDOWN("onShutdown", (p, c, a) -> p.onShutdown(c)),
    CLOSE("onClose", (p, c, a) -> p.onClose(c, (Throwable) a));

    /** Calls one callback with its argument (the data, message, token, flag or cause). */
    @FunctionalInterface
    private interface Call {
        void on(Protocol protocol, Connection connection, Object argument);
    }

    final String method;
    private final Call call;

    ProtocolCallback(String method, Call call) {
        this.method = method;
        this.call = call;
    }

    /** Calls this callback on {@code protocol}. Owner thread; exceptions are the caller's to judge. */
    void call(Protocol protocol, Connection connection, Object argument) {
        call.on(protocol, connection, argument);
    }
}
