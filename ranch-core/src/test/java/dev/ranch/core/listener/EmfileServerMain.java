package dev.ranch.core.listener;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.transport.Transports;

import java.net.InetAddress;

/**
 * An echo listener for {@link EmfileRecoveryTest} to run in a child JVM under a low
 * {@code ulimit -n}: prints {@code PORT <n>} once listening and stops when stdin closes.
 */
public final class EmfileServerMain {

    private EmfileServerMain() {}

    public static void main(String[] args) throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            Listener listener = ranch.startListener("emfile", Transports.tcp(), ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).maxConnections(ListenerOptions.INFINITY)
                    .numAcceptors(2).build(), c -> new EchoProtocol());
            System.out.println("PORT " + listener.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Runs until the test closes our stdin.
            }
        }
    }
}
