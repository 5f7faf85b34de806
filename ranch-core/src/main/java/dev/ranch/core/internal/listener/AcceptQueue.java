package dev.ranch.core.internal.listener;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The depth of a listen socket's accept queue: connections the kernel has completed the
 * handshake for and that no acceptor has taken yet. Linux only: read from the
 * {@code rx_queue} column of the LISTEN ({@code 0A}) entries of {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} whose local address and port are the listener's (summed, so
 * {@code numListenSockets > 1} counts all of them; another process listening on the same
 * address and port with {@code SO_REUSEPORT} is counted too). Elsewhere, for a Unix domain
 * socket, or when no entry matches (a suspended listener), the answer is {@code -1}.
 *
 * <p>Cost: the kernel lists listening sockets before the others, so the reading stops at the
 * first entry that is not listening; a read costs one open and a few lines of each file, not
 * a line per connection of the host.
 */
public final class AcceptQueue {

    private static final String LISTEN = "0A";
    private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

    private AcceptQueue() {}

    /** The accept-queue depth of the listen socket(s) bound to {@code bound}, or {@code -1}. Any thread. */
    public static long depth(SocketAddress bound) {
        return depth(bound, null);
    }

    /**
     * The sockets this process holds, by inode, as {@code /proc/self/fd} shows them; empty
     * elsewhere. With it, {@link #depth(SocketAddress, Set)} tells this process's listen
     * sockets from another process's on the same port. Any thread.
     */
    static Set<String> ownSockets() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && target.endsWith("]")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // Closed meanwhile, or not a link: not one of ours any more.
                }
            }
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
        return inodes;
    }

    /**
     * {@link #depth(SocketAddress)} counting only the listen sockets whose inode is in
     * {@code inodes} (all of them when {@code null}). Any thread.
     */
    static long depth(SocketAddress bound, Set<String> inodes) {
        if (!(bound instanceof InetSocketAddress inet) || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return -1;
        }
        long total = 0;
        boolean found = false;
        for (Path table : TABLES) {
            try (BufferedReader reader = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
                reader.readLine();
                String line;
                while ((line = reader.readLine()) != null) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length < 5 || !LISTEN.equals(fields[3])) {
                        break;
                    }
                    if (matches(fields[1], inet) && (inodes == null || fields.length > 9 && inodes.contains(fields[9]))) {
                        found = true;
                        total += Long.parseLong(fields[4].substring(fields[4].indexOf(':') + 1), 16);
                    }
                }
            } catch (NoSuchFileException e) {
                // No IPv6 in this kernel: only the IPv4 table.
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return found ? total : -1;
    }

    /** Whether {@code local}, as {@code /proc/net/tcp} writes it ({@code 0100007F:1F90}), is {@code bound}. */
    private static boolean matches(String local, InetSocketAddress bound) throws UnknownHostException {
        int colon = local.indexOf(':');
        if (Integer.parseInt(local.substring(colon + 1), 16) != bound.getPort()) {
            return false;
        }
        InetAddress address = InetAddress.getByAddress(addressBytes(local.substring(0, colon)));
        InetAddress ours = bound.getAddress();
        // A wildcard bind shows as 0.0.0.0 or ::, whichever family the JDK opened the socket in.
        return ours.isAnyLocalAddress() ? address.isAnyLocalAddress() : address.equals(ours);
    }

    /** The kernel prints each 32-bit word of the address in the machine's byte order. */
    private static byte[] addressBytes(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + i * 2;
                int b = Integer.parseInt(hex.substring(at, at + 2), 16);
                bytes[word * 4 + (little ? 3 - i : i)] = (byte) b;
            }
        }
        return bytes;
    }
}
