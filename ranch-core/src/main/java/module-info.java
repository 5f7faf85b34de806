/**
 * ranch-core: listeners with their acceptor pools and connection supervisors, event loops, the
 * TCP, Unix and TLS transports, the {@link dev.ranch.core.Protocol} a user implements, PROXY
 * protocol support and outbound connections. Start with {@link dev.ranch.core.Ranch}.
 *
 * <p>Only the API packages are exported; the machinery behind them lives in
 * {@code dev.ranch.core.internal.*}, which no other module can read.
 */
module dev.ranch.core {
    requires org.slf4j;
    requires org.jctools.core.jdk11;
    // JMX registration of listeners (ListenerMXBean); no javax.management type is in the API.
    requires java.management;

    exports dev.ranch.core;
    exports dev.ranch.core.client;
    exports dev.ranch.core.listener;
    exports dev.ranch.core.management;
    exports dev.ranch.core.proxy;
    exports dev.ranch.core.registry;
    exports dev.ranch.core.transport;
    exports dev.ranch.core.transport.tls;
}
