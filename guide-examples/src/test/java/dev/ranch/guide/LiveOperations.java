package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.micrometer.ListenerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** What an operator does to a running listener: read and change it over JMX, meter it, drain it. */
public final class LiveOperations {

    /** A ranch whose watchdog warns of a callback holding a loop for 500 ms, and probes loop lag every second. */
    public static Ranch watchedRanch() {
        return Ranch.builder()
                .blockedThreshold(Duration.ofMillis(500))        // default 2 s; ZERO: off
                .loopLagInterval(Duration.ofSeconds(1))          // default 1 s; ZERO: off
                .build();
    }

    /** What jconsole or any JMX client sees: reads the live count and raises the limit. */
    public static int activeConnectionsOverJmx(String listenerName, int newLimit) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.ranch:type=Listener,name=" + ObjectName.quote(listenerName));
        server.setAttribute(name, new Attribute("MaxConnections", newLimit));
        return (Integer) server.getAttribute(name, "ActiveConnections");
    }

    /** The listener's meters; give bindTo a PrometheusMeterRegistry to serve them at /metrics. */
    public static MeterRegistry meter(Listener listener) {
        MeterRegistry registry = new SimpleMeterRegistry();
        new ListenerMetrics(listener).bindTo(registry);
        return registry;
    }

    public static double activeConnections(MeterRegistry registry) {
        return registry.get("ranch.connections.active").gauge().value();
    }

    /** Refuses new clients, calls every connection's onShutdown, waits up to 30 s, aborts the rest. */
    public static void drain(Listener listener) {
        listener.drain(Duration.ofSeconds(30));                  // never from an event loop thread
    }
}
