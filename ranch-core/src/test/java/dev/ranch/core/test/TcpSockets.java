package dev.ranch.core.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's table of TCP sockets (Linux {@code /proc/net/tcp} and {@code tcp6}), for
 * facts about server-side sockets that the ranch API does not expose: how many sockets
 * listen on a port, and whether an accepted socket has its keepalive timer armed.
 */
public final class TcpSockets {

    /** {@code st} of a listening socket. */
    public static final int LISTEN = 0x0A;
    /** {@code st} of an established connection. */
    public static final int ESTABLISHED = 0x01;
    /** {@code tr} of a socket whose keepalive timer is pending. */
    public static final int TIMER_KEEPALIVE = 2;

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    /** One row of the table. */
    public record Entry(int localPort, int remotePort, int state, int timer) {}

    private TcpSockets() {}

    /** Whether this platform has the tables (Linux). */
    public static boolean available() {
        return Files.isReadable(TABLES.get(0));
    }

    /** Every TCP socket of this network namespace, IPv4 and IPv6. */
    public static List<Entry> all() {
        List<Entry> entries = new ArrayList<>();
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (String line : lines.subList(1, lines.size())) {
                // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when ..."
                String[] f = line.trim().split("\\s+");
                entries.add(new Entry(port(f[1]), port(f[2]), Integer.parseInt(f[3], 16),
                        Integer.parseInt(f[5].substring(0, f[5].indexOf(':')), 16)));
            }
        }
        return entries;
    }

    /** How many sockets listen on {@code port}. */
    public static long listeningOn(int port) {
        return all().stream().filter(e -> e.state() == LISTEN && e.localPort() == port).count();
    }

    /** The established socket with these ports, if any. */
    public static Optional<Entry> established(int localPort, int remotePort) {
        return all().stream()
                .filter(e -> e.state() == ESTABLISHED && e.localPort() == localPort && e.remotePort() == remotePort)
                .findFirst();
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }
}
