package dev.ranch.readme;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.listener.CountCondition;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import java.nio.ByteBuffer;
import java.time.Duration;

final class LiveListener {
    /** Each call from any thread but the listener's event loops, while the listener serves. */
    static void operate(Listener listener, ListenerOptions newOptions, ProtocolFactory v2) throws InterruptedException {
        listener.suspend();                      // stop listening, keep serving live connections
        listener.resume();                       // listen again on the same port
        listener.setMaxConnections(20_000);      // now; lowering keeps existing connections
        listener.setOptions(newOptions);         // limit now, per-connection options for new ones,
                                                 // listening options at the next resume
        listener.setProtocolFactory(v2);         // new connections only
        listener.awaitConnections(CountCondition.EQUAL_TO, 0, Duration.ofSeconds(30));
        System.out.println(listener.connections()); // id, peer, age, bytes in/out, counted
        listener.drain(Duration.ofSeconds(30));  // refuse new, onShutdown everywhere, wait, stop
    }

    /** A long-lived connection (a subscription, say) that should not hold a place under maxConnections. */
    static final class LongLived implements Protocol {
        @Override
        public void onHandshake(Connection connection) {
            connection.removeFromCount();        // stops counting
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
        }
    }
}
