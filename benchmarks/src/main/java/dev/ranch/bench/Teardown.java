package dev.ranch.bench;

import java.io.IOException;

/** How every pair ends a trial: the load client first (so the server sees clean closes), then the server. */
final class Teardown {

    private Teardown() {}

    /**
     * Closes each non-null resource in order, all of them even when one fails; the first
     * failure is thrown with the later ones suppressed. Benchmark thread.
     *
     * @throws IOException the first failure, as is or wrapped
     */
    static void closeInOrder(AutoCloseable... resources) throws IOException {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof IOException) {
            throw (IOException) first;
        }
        if (first instanceof RuntimeException) {
            throw (RuntimeException) first;
        }
        if (first != null) {
            throw new IOException(first);
        }
    }
}
