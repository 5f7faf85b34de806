package dev.ranch.core.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What this JVM holds from the OS, for leak checks: file descriptors and threads. */
public final class ProcessResources {

    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessResources() {}

    /** Whether descriptors can be listed (Linux). */
    public static boolean fileDescriptorsVisible() {
        return Files.isDirectory(FDS);
    }

    /**
     * What each open descriptor points at, sorted ({@code socket:[inode]}, {@code
     * anon_inode:[eventpoll]}, a path...), without those the JVM opens by itself and keeps for
     * its life (see {@link #openFileDescriptorsByNumber()}).
     */
    public static List<String> openFileDescriptors() {
        List<String> targets = new ArrayList<>(openFileDescriptorsByNumber().values());
        Collections.sort(targets);
        return targets;
    }

    /**
     * Each open descriptor's number and what it points at, by number. Left out are the
     * descriptors the JVM opens lazily on its own and keeps until it exits, which a test
     * cannot close and which are not leaks:
     * <ul>
     *   <li>jar files: the class loader opens a jar the first time a class is loaded from it
     *       and keeps it open (URLClassPath caches its JarFile);
     *   <li>{@code /dev/random} and {@code /dev/urandom}: the first {@code SecureRandom} (a
     *       TLS handshake, a WebSocket key) opens them, and {@code NativePRNG} holds the
     *       streams in static fields;
     *   <li>the listing's own descriptor on {@code /proc/<pid>/fd}.
     * </ul>
     * Sockets, pipes, eventfds and epoll instances always count: those are what a selector,
     * a channel or a child process holds.
     */
    public static Map<Integer, String> openFileDescriptorsByNumber() {
        Map<Integer, String> targets = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!jvmOwned(target)) {
                        targets.put(Integer.parseInt(fd.getFileName().toString()), target);
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // The directory stream's own descriptor, or one closed while listing.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return targets;
    }

    private static boolean jvmOwned(String target) {
        return target.endsWith(".jar")
                || target.equals("/dev/random")
                || target.equals("/dev/urandom")
                || (target.startsWith("/proc/") && target.endsWith("/fd"));
    }

    /** Live threads whose name starts with {@code prefix}. */
    public static Set<Thread> liveThreadsNamed(String prefix) {
        // isAlive() filters threads that have finished but are still being torn down by the VM.
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
                .collect(Collectors.toSet());
    }

    /** The names of {@code threads}, sorted, for failure messages. */
    public static List<String> names(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().collect(Collectors.toList());
    }
}
