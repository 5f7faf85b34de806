package dev.ranch.core.registry;

import dev.ranch.core.Connection;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Groups connections under keys, many connections per key and many keys per connection
 * (Elixir's {@code Registry} with {@code keys: :duplicate}): chat rooms, topics, sessions.
 * A connection leaves every key by itself when it closes. Safe from any thread.
 *
 * <p>A registration that races with the connection's close cannot outlive it: the close
 * listener is installed before the membership is added, and the connection's closed flag is
 * set before its close listeners run, so either the listener removes the entry or the
 * registering thread sees the connection closed and removes it itself. Changes to one
 * connection's entries are made under its key set's monitor, so the two maps agree.
 *
 * @param <K> the key type; needs sound {@code equals} and {@code hashCode}
 */
public final class Registry<K> {

    private final Map<K, Set<Connection>> members = new ConcurrentHashMap<>();
    private final Map<Connection, Set<K>> keysOf = new ConcurrentHashMap<>();

    /** An empty registry. */
    public Registry() {}

    /**
     * Adds {@code connection} under {@code key}. A second registration under the same key is
     * a no-op. Any thread.
     *
     * @return {@code true} if it was added, {@code false} if already there or already closed
     */
    public boolean register(K key, Connection connection) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(connection, "connection");
        boolean[] first = new boolean[1];
        Set<K> keys = keysOf.computeIfAbsent(connection, c -> {
            first[0] = true;
            return ConcurrentHashMap.newKeySet();
        });
        if (first[0]) {
            connection.whenClosed(this::forget);
        }
        // The connection's key set is the lock for both maps' entries of this connection, so
        // register, unregister and forget see each other's changes whole.
        synchronized (keys) {
            if (keysOf.get(connection) != keys || !keys.add(key)) {
                // Already forgotten because the connection closed, or already registered.
                return false;
            }
            addMember(key, connection);
        }
        if (!connection.isOpen()) {
            // Closed meanwhile; its close listener may already have run, so undo it ourselves.
            unregister(key, connection);
            return false;
        }
        return true;
    }

    /**
     * Removes {@code connection} from {@code key}. Any thread.
     *
     * @return {@code true} if it was registered there
     */
    public boolean unregister(K key, Connection connection) {
        Set<K> keys = keysOf.get(connection);
        if (keys == null) {
            return false;
        }
        synchronized (keys) {
            if (!keys.remove(key)) {
                return false;
            }
            removeMember(key, connection);
        }
        return true;
    }

    /**
     * Calls {@code action} for every connection under {@code key}, on the calling thread.
     * The action sees a weakly consistent view: members added or removed meanwhile may or may
     * not be visited. Connections may belong to other loops, so the action should use only
     * methods safe from any thread, such as {@link Connection#send}.
     *
     * @return the number of connections visited
     */
    public int dispatch(K key, Consumer<? super Connection> action) {
        Set<Connection> set = members.get(key);
        if (set == null) {
            return 0;
        }
        int n = 0;
        for (Connection connection : set) {
            action.accept(connection);
            n++;
        }
        return n;
    }

    /**
     * Sends {@code message} to the mailbox of every connection under {@code key}.
     *
     * @return the number of connections that accepted it
     */
    public int send(K key, Object message) {
        Set<Connection> set = members.get(key);
        if (set == null) {
            return 0;
        }
        int n = 0;
        for (Connection connection : set) {
            if (connection.send(message)) {
                n++;
            }
        }
        return n;
    }

    /** The connections under {@code key}, a snapshot. Any thread. */
    public List<Connection> lookup(K key) {
        Set<Connection> set = members.get(key);
        return set == null ? List.of() : List.copyOf(set);
    }

    /** The number of connections under {@code key}. Any thread. */
    public int count(K key) {
        Set<Connection> set = members.get(key);
        return set == null ? 0 : set.size();
    }

    /** The keys that have at least one connection, a snapshot. Any thread. */
    public Set<K> keys() {
        return Set.copyOf(members.keySet());
    }

    /** The keys {@code connection} is registered under, a snapshot. Any thread. */
    public Set<K> keysOf(Connection connection) {
        Set<K> keys = keysOf.get(connection);
        return keys == null ? Set.of() : Set.copyOf(keys);
    }

    private void forget(Connection connection) {
        Set<K> keys = keysOf.remove(connection);
        if (keys == null) {
            return;
        }
        synchronized (keys) {
            for (K key : keys) {
                removeMember(key, connection);
            }
            keys.clear();
        }
    }

    private void addMember(K key, Connection connection) {
        // Inside compute, so a concurrent removal of the last member cannot drop the set we add to.
        members.compute(key, (k, set) -> {
            Set<Connection> result = set == null ? ConcurrentHashMap.newKeySet() : set;
            result.add(connection);
            return result;
        });
    }

    private void removeMember(K key, Connection connection) {
        members.computeIfPresent(key, (k, set) -> {
            set.remove(connection);
            return set.isEmpty() ? null : set;
        });
    }
}
