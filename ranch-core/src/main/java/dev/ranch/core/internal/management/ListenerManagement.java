package dev.ranch.core.internal.management;

import dev.ranch.core.management.ListenerMXBean;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * The {@link ListenerMXBean} of one listener, and its registration with the platform
 * MBeanServer. Registration failures (such as two ranches in one JVM with same-named
 * listeners) are logged once at WARN and otherwise ignored: management must never stop a
 * listener from serving.
 */
public final class ListenerManagement implements ListenerMXBean {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerManagement.class);

    private final Listener listener;
    private final ObjectName name;
    private boolean registered;

    private ListenerManagement(Listener listener, ObjectName name) {
        this.listener = listener;
        this.name = name;
    }

    /** The object name of {@code listenerName}'s MBean. */
    public static ObjectName objectName(String listenerName) {
        try {
            return new ObjectName("dev.ranch:type=Listener,name=" + ObjectName.quote(listenerName));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("no MBean name for listener '" + listenerName + "'", e);
        }
    }

    /** Registers an MBean for {@code listener} with the platform MBeanServer. */
    public static ListenerManagement register(Listener listener) {
        ListenerManagement bean = new ListenerManagement(listener, objectName(listener.name()));
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(bean, bean.name);
            bean.registered = true;
        } catch (InstanceAlreadyExistsException e) {
            LOG.warn("listener '{}' has no MBean: {} is taken by another listener of that name in this JVM",
                    listener.name(), bean.name);
        } catch (JMException e) {
            LOG.warn("listener '{}' has no MBean", listener.name(), e);
        }
        return bean;
    }

    /** Removes the MBean, if it was registered. */
    public void unregister() {
        if (!registered) {
            return;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            LOG.debug("unregistering {} failed", name, e);
        }
        registered = false;
    }

    private ListenerInfo info() {
        return listener.info();
    }

    @Override
    public String getName() {
        return listener.name();
    }

    @Override
    public String getState() {
        return listener.state().name();
    }

    @Override
    public int getPort() {
        return listener.port();
    }

    @Override
    public String getTransport() {
        return listener.transport().name();
    }

    @Override
    public int getNumAcceptors() {
        return info().numAcceptors();
    }

    @Override
    public int getMaxConnections() {
        return info().maxConnections();
    }

    @Override
    public int getActiveConnections() {
        return info().activeConnections();
    }

    @Override
    public int getAllConnections() {
        return info().allConnections();
    }

    @Override
    public long getTotalAccepted() {
        return info().totalAccepted();
    }

    @Override
    public long getTotalRefused() {
        return info().totalRefused();
    }

    @Override
    public long getHandshakeFailures() {
        return info().handshakeFailures();
    }

    @Override
    public long getCrashes() {
        return info().crashes();
    }

    @Override
    public long getBytesIn() {
        return listener.bytesIn();
    }

    @Override
    public long getBytesOut() {
        return listener.bytesOut();
    }

    @Override
    public long getAcceptQueueDepth() {
        return listener.acceptQueueDepth();
    }

    @Override
    public void suspend() {
        listener.suspend();
    }

    @Override
    public void resume() {
        listener.resume();
    }

    @Override
    public void setMaxConnections(int max) {
        listener.setMaxConnections(max);
    }
}
