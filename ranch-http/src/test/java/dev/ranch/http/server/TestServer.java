package dev.ranch.http.server;

import dev.ranch.http.internal.server.ProtocolChoice;
import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;

import java.net.InetAddress;

/** A ranch with one HTTP listener on a free loopback port, for tests. */
final class TestServer implements AutoCloseable {

    final Ranch ranch;
    final Listener listener;

    private TestServer(Ranch ranch, Listener listener) {
        this.ranch = ranch;
        this.listener = listener;
    }

    static TestServer start(Router router) {
        return start(router, HttpOptions.DEFAULTS);
    }

    static TestServer start(Router router, HttpOptions options) {
        return start(router, options, ListenerOptions.builder());
    }

    static TestServer start(Router router, HttpOptions options, ListenerOptions.Builder listenerOptions) {
        return start(router, options, listenerOptions, new BodyBudget(options.maxBufferedBodyBytes()));
    }

    /** A server whose connections share {@code budget}, which the test may watch. */
    static TestServer start(Router router, HttpOptions options, BodyBudget budget) {
        return start(router, options, ListenerOptions.builder(), budget);
    }

    private static TestServer start(Router router, HttpOptions options, ListenerOptions.Builder listenerOptions,
                                    BodyBudget budget) {
        Ranch ranch = Ranch.builder().eventLoops(2).build();
        try {
            Listener listener = ranch.startListener("http", Transports.tcp(),
                    listenerOptions.bindAddress(InetAddress.getLoopbackAddress()).port(0).build(),
                    ProtocolChoice.factory(router, options, budget));
            return new TestServer(ranch, listener);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    int port() {
        return listener.port();
    }

    RawClient connect() {
        return RawClient.connect(port());
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        ranch.close();
    }
}
