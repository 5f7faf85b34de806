package dev.ranch.core.listener;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.transport.Transports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

/**
 * An echo listener for {@link EmfileRecoveryTest} to run in a child JVM under a low
 * {@code ulimit -n}: prints {@code PORT <n>} once listening and stops when stdin closes.
 */
public final class EmfileServerMain {

    private EmfileServerMain() {}

    /**
     * Serves one echo before the test floods the listener, so every class on the connection's
     * path is loaded while descriptors are free. Under {@code mvn verify} the classes come from
     * directories, and loading one opens its file: under EMFILE that fails with
     * {@code NoClassDefFoundError}, which the JVM then remembers for that class, so every
     * later connection would crash in {@code init} and the test would see nothing served.
     */
    private static void warmUp(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream().write('w');
            if (socket.getInputStream().read() != 'w') {
                throw new IOException("the warm-up echo did not come back");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            Listener listener = ranch.startListener("emfile", Transports.tcp(), ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).maxConnections(ListenerOptions.INFINITY)
                    .numAcceptors(2).build(), c -> new EchoProtocol());
            warmUp(listener.port());
            System.out.println("PORT " + listener.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Runs until the test closes our stdin.
            }
        }
    }
}
