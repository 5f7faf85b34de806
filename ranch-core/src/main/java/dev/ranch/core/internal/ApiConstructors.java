package dev.ranch.core.internal;

import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.OutboundState;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.internal.loop.EventLoopGroup;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transport;

import java.net.SocketAddress;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * How {@code Ranch} creates the API objects whose construction needs internal types (the event
 * loops), without a public constructor or factory that names them: each API class registers its
 * private factory here when it is initialised. Any thread.
 */
public final class ApiConstructors {

    /** {@code Listener}'s private factory: binds and starts accepting. */
    @FunctionalInterface
    public interface ListenerStart {
        /** See {@code Listener}'s private {@code start}. */
        Listener start(String name, Transport transport, ListenerOptions options, ProtocolFactory factory,
                       EventLoopGroup loops, Consumer<Listener> onStopped);
    }

    /** {@code OutboundConnection}'s private constructor: starts the first connect. */
    @FunctionalInterface
    public interface OutboundStart {
        /** See {@code OutboundConnection}'s private constructor. */
        OutboundConnection start(EventLoopGroup loops, SocketAddress address, Transport transport,
                                 ProtocolFactory factory, ReconnectPolicy policy,
                                 BiConsumer<OutboundConnection, OutboundState> stateListener,
                                 Consumer<OutboundConnection> onTerminated);
    }

    private static volatile ListenerStart listeners;
    private static volatile OutboundStart outbound;

    private ApiConstructors() {}

    /** Called once, from {@code Listener}'s static initialiser. */
    public static void register(ListenerStart start) {
        listeners = start;
    }

    /** Called once, from {@code OutboundConnection}'s static initialiser. */
    public static void register(OutboundStart start) {
        outbound = start;
    }

    /** {@code Listener}'s factory, initialising the class first if nothing has yet. */
    public static ListenerStart listeners() {
        initialise(Listener.class);
        return listeners;
    }

    /** {@code OutboundConnection}'s constructor, initialising the class first if nothing has yet. */
    public static OutboundStart outbound() {
        initialise(OutboundConnection.class);
        return outbound;
    }

    private static void initialise(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("cannot initialise " + type.getName(), e);
        }
    }
}
