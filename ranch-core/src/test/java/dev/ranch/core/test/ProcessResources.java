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
import java.util.Set;
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
     * anon_inode:[eventpoll]}, a path...). Jar files are left out: the class loader opens a
     * jar the first time a class is loaded from it and keeps it open, which is not a leak.
     */
    public static List<String> openFileDescriptors() {
        List<String> targets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.endsWith(".jar")) {
                        targets.add(target);
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // The directory stream's own descriptor, or one closed while listing.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The listing's own descriptor points at this directory; it is not the process's.
        targets.removeIf(t -> t.startsWith("/proc/") && t.endsWith("/fd"));
        Collections.sort(targets);
        return targets;
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
