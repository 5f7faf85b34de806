package dev.ranch.core.internal.management;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each listener is visible through the platform MBeanServer while it runs. */
class ListenerManagementTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private Ranch ranch;

    @AfterEach
    void stop() {
        ranch.close();
    }

    private Listener start(boolean jmx, String name) {
        ranch = Ranch.builder().eventLoops(1).jmx(jmx).build();
        return ranch.startListener(name, Transports.tcp(), Loopback.options().maxConnections(7).build(),
                c -> new EchoProtocol());
    }

    @Test
    void theMBeanShowsTheListenersFiguresAndItsOperationsActOnIt() throws Exception {
        Listener listener = start(true, "jmx-echo");
        ObjectName name = new ObjectName("dev.ranch:type=Listener,name=\"jmx-echo\"");
        assertTrue(server.isRegistered(name));
        assertEquals(listener.port(), server.getAttribute(name, "Port"));
        assertEquals("RUNNING", server.getAttribute(name, "State"));
        assertEquals(7, server.getAttribute(name, "MaxConnections"));

        try (TestClient client = TestClient.connect(listener.port())) {
            client.write("x");
            client.readExactly(1);
            assertEquals(1, server.getAttribute(name, "ActiveConnections"));
            assertEquals(1L, server.getAttribute(name, "TotalAccepted"));
            assertEquals(1L, server.getAttribute(name, "BytesIn"));
            assertEquals(listener.acceptQueueDepth() < 0 ? -1L : 0L, server.getAttribute(name, "AcceptQueueDepth"));
        }

        // A setter beside its getter makes MaxConnections a writable attribute.
        server.setAttribute(name, new Attribute("MaxConnections", 3));
        assertEquals(3, listener.info().maxConnections());

        server.invoke(name, "suspend", null, null);
        assertEquals("SUSPENDED", server.getAttribute(name, "State"));
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()), 2000);
            }
        });
        server.invoke(name, "resume", null, null);
        try (TestClient client = TestClient.connect(listener.port())) {
            client.write("y");
            assertEquals('y', client.readExactly(1)[0]);
        }

        ranch.stopListener("jmx-echo");
        assertFalse(server.isRegistered(name), "unregistered on stop");
    }

    @Test
    void withJmxOffNoMBeanIsRegistered() throws Exception {
        start(false, "no-jmx");
        assertFalse(server.isRegistered(ListenerManagement.objectName("no-jmx")));
    }
}
