package dev.ranch.bench.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * Netty's side of the TLS pairs: an {@code SslHandler} in front of the plain handlers of
 * {@link NettyServers}, made from an {@link SslContext} with {@link SslProvider#JDK} (the same
 * {@code SSLEngine} ranch's TLS transport drives) and the {@link LoopbackCertificate}, TLS 1.3
 * and 1.2 as ranch offers.
 */
final class NettyEncrypted {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private NettyEncrypted() {}

    /** Per channel: a fresh {@code SslHandler}, then the shared echo handler (which counts channels). */
    static ChannelHandler echo(AtomicInteger open) {
        SslContext tls = context(ApplicationProtocolConfig.DISABLED);
        NettyServers.Echo echo = new NettyServers.Echo(open);
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(tls.newHandler(channel.alloc()), echo);
            }
        };
    }

    /** Per channel: count it, a fresh {@code SslHandler} offering {@code http/1.1}, the HTTP codec, the shared hello world. */
    static ChannelHandler https(AtomicInteger open) {
        SslContext tls = context(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_1_1));
        NettyServers.Counter counter = new NettyServers.Counter(open);
        NettyServers.HttpHello hello = new NettyServers.HttpHello();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(counter, tls.newHandler(channel.alloc()), new HttpServerCodec(), hello);
            }
        };
    }

    private static SslContext context(ApplicationProtocolConfig alpn) {
        try {
            return SslContextBuilder.forServer(LoopbackCertificate.get().keyManagers())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .applicationProtocolConfig(alpn)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("Netty refused the benchmark certificate", e);
        }
    }
}
