package dev.ranch.core.test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The programs interop tests run (openssl, curl, haproxy), found on this machine or installed
 * from Debian's archive by the test itself, so CI on a fresh Debian image runs them without a
 * setup step. Where neither works the test is skipped with a message naming the package.
 * Thread-safe: concurrent tests needing one package install it once.
 */
public final class SystemPackages {

    /** The most one {@code apt-get} run may take before the test gives up on the package (Chromium is large). */
    public static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);

    /** Directories searched besides {@code PATH}: daemons such as haproxy live in sbin. */
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    /** Packages this JVM tried to install, with the outcome, so a failed attempt is not repeated. */
    private static final Map<String, Boolean> ATTEMPTS = new ConcurrentHashMap<>();

    private SystemPackages() {}

    /**
     * The path of {@code command}. If it is missing and this JVM runs as root on a machine with
     * {@code apt-get}, installs {@code debianPackage} first (once per JVM, at most
     * {@link #INSTALL_TIMEOUT}, output in a log under {@code target/external-processes}).
     *
     * @throws org.opentest4j.TestAbortedException when the command is still missing: the
     *     calling test is skipped, with a message saying what to install
     */
    public static Path require(String command, String debianPackage) {
        Optional<Path> found = find(command);
        if (found.isPresent()) {
            return found.get();
        }
        Optional<Path> aptGet = find("apt-get");
        if (aptGet.isEmpty() || !runningAsRoot()) {
            abort(command + " is not installed and cannot be installed here (needs root and apt-get): "
                    + "install the Debian package " + debianPackage + " to run this test");
        }
        synchronized (SystemPackages.class) {
            boolean installed = ATTEMPTS.computeIfAbsent(debianPackage, p -> install(aptGet.get(), p));
            found = find(command);
            if (found.isEmpty()) {
                abort(command + " is missing and installing the Debian package " + debianPackage
                        + (installed ? " did not provide it" : " failed; see target/external-processes/apt-get-*.log"));
            }
            return found.get();
        }
    }

    /**
     * Makes sure {@code debianPackage} provides what {@code present} checks for (a Python
     * module, a pair of programs): installs it when the check fails and this JVM can, as
     * {@link #require} does.
     *
     * @throws org.opentest4j.TestAbortedException when the check still fails: the calling test
     *     is skipped, with a message saying what to install
     */
    public static void ensure(String debianPackage, BooleanSupplier present) {
        if (present.getAsBoolean()) {
            return;
        }
        Optional<Path> aptGet = find("apt-get");
        if (aptGet.isEmpty() || !runningAsRoot()) {
            abort("the Debian package " + debianPackage + " is not installed and cannot be installed here"
                    + " (needs root and apt-get): install it to run this test");
        }
        synchronized (SystemPackages.class) {
            boolean installed = ATTEMPTS.computeIfAbsent(debianPackage, p -> install(aptGet.get(), p));
            if (!present.getAsBoolean()) {
                abort("installing the Debian package " + debianPackage
                        + (installed ? " did not provide what this test needs" : " failed; see target/external-processes/apt-get-*.log"));
            }
        }
    }

    /** Where {@code command} is on {@code PATH} or in an sbin directory, if anywhere. */
    public static Optional<Path> find(String command) {
        Set<String> directories = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            directories.addAll(List.of(path.split(File.pathSeparator)));
        }
        directories.addAll(SBIN);
        for (String directory : directories) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean install(Path aptGet, String debianPackage) {
        // Another installer may hold the dpkg lock for a while: wait for it instead of failing.
        List<String> install = new ArrayList<>(List.of(aptGet.toString(), "-o", "DPkg::Lock::Timeout=120",
                "install", "-y", "--no-install-recommends", debianPackage));
        Map<String, String> quiet = Map.of("DEBIAN_FRONTEND", "noninteractive");
        if (ExternalProcess.run(INSTALL_TIMEOUT, quiet, install).exitCode() == 0) {
            return true;
        }
        // A fresh image has no package lists yet.
        ExternalProcess.run(INSTALL_TIMEOUT, quiet,
                List.of(aptGet.toString(), "-o", "DPkg::Lock::Timeout=120", "update"));
        return ExternalProcess.run(INSTALL_TIMEOUT, quiet, install).exitCode() == 0;
    }

    private static boolean runningAsRoot() {
        try {
            // The Uid line of /proc/self/status (Linux) lists real, effective, saved and fs uids.
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
            return false;
        } catch (IOException notLinux) {
            return false;
        }
    }
}
