package dev.ranch.core.test;

import java.time.Duration;

/**
 * The slow-consumer attack against a server in a {@link ChildJvm}: many clients with a small
 * receive buffer send requests that ask for far more than they will ever read, and never read
 * a byte. Whatever the server does not refuse piles up on its side, so its heap growth,
 * measured after full collections once its traffic has stopped, shows what its documented
 * bounds are worth. For the test thread.
 */
public final class SlowReaders {

    /**
     * The core's outbound queue copies what the kernel refused into chunks of this size, so a
     * queue holds up to one chunk more than its pending bytes: part of every promise.
     */
    public static final int QUEUE_CHUNK = 64 * 1024;

    /**
     * What a JVM's heap after GC moves by on its own between two readings (classes first used
     * on the connection path, caches, logging): added to every promise, spread over the
     * clients, so that a small run is not judged on noise.
     */
    public static final long HEAP_NOISE = 4L * 1024 * 1024;

    /** What the attack cost: the heap after GC before and once the traffic settled, in bytes. */
    public record Growth(String scenario, int clients, int stillConnected, long heapBefore, long heapSettled,
                         long promisedPerClient) {

        /** Heap growth per client, in bytes. */
        public long perClient() {
            return (heapSettled - heapBefore) / clients;
        }

        /** The report line: measured against promised. */
        @Override
        public String toString() {
            return String.format("%s: %d slow readers (%d still connected once settled), heap after GC %d KiB -> %d KiB: growth %d KiB = %d B per"
                            + " client, promised at most %d B per client (%d KiB in all), %.1f%% of the bound",
                    scenario, clients, stillConnected, heapBefore / 1024, heapSettled / 1024, (heapSettled - heapBefore) / 1024,
                    perClient(), promisedPerClient, promisedPerClient * clients / 1024,
                    100.0 * perClient() / promisedPerClient);
        }
    }

    private SlowReaders() {}

    /**
     * Connects {@code clients} clients to {@code server} with {@code SO_RCVBUF} of
     * {@code receiveBuffer} bytes; each sends {@code request} and never reads. Waits until the
     * child's {@code traffic} answer ({@code <connections> ...}: its listener's connections, then
     * anything that moves while traffic flows, such as bytes in and out) holds still, then
     * measures, and closes the clients.
     *
     * @param promisedPerClient what the server's documented bounds allow one such client to hold
     */
    public static Growth attack(String scenario, ChildJvm server, int clients, int receiveBuffer, byte[] request,
                                long promisedPerClient) {
        long before = server.heapAfterGc();
        try (SocketFleet fleet = SocketFleet.connect(server.port(), clients, receiveBuffer, 16)) {
            fleet.sendAndNeverRead(request);
            String traffic = server.awaitSteady("traffic", Duration.ofSeconds(2), ChildJvm.START_PATIENCE);
            long settled = server.heapAfterGc();
            Growth growth = new Growth(scenario, clients, Integer.parseInt(traffic.split(" ")[0]), before, settled,
                    promisedPerClient);
            System.out.println(growth);
            return growth;
        }
    }
}
