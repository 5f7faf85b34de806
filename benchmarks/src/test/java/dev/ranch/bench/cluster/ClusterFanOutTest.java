package dev.ranch.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.core.test.SystemPackages;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link ClusterFanOut}'s scenarios in a tiny configuration (a room of 10, half a second
 * measured), so that the measurement cannot rot: the nodes start in their own JVMs, the room
 * forms across them, every line reaches every member on both nodes, and latencies are
 * recorded on each side. How fast is not checked. Paced at 200 lines/s: unpaced, a node may
 * rightly cut a remote member of a loaded machine's client (the sender's flow control counts
 * only its own node's members; see docs/architecture.md, chat cluster).
 */
class ClusterFanOutTest {

    private static final ClusterFanOut.Settings TINY =
            new ClusterFanOut.Settings(10, 64, Duration.ofMillis(300), Duration.ofMillis(500), "128m");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRoomOnOneNodeGetsEveryLine() throws Exception {
        ClusterFanOut.Outcome outcome = ClusterFanOut.run(ClusterFanOut.Scenario.parse("1@200"), TINY);

        RoomLoad.Result result = outcome.result();
        assertTrue(result.sent() > 0, "lines sent while measured: " + result.sent());
        assertEquals(0, result.lost(), "lines some member never had");
        assertEquals(0, result.cut(), "members cut off");
        assertTrue(result.local().count() > 0, "latencies recorded");
        assertEquals(0, result.remote().count(), "no member is on another node");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRoomAcrossTwoNodesGetsEveryLineOnBoth() throws Exception {
        SystemPackages.require("redis-server", "redis-server");

        ClusterFanOut.Outcome outcome = ClusterFanOut.run(ClusterFanOut.Scenario.parse("2@200"), TINY);

        RoomLoad.Result result = outcome.result();
        assertTrue(result.sent() > 0, "lines sent while measured: " + result.sent());
        assertEquals(0, result.lost(), "lines some member never had; nodes: " + outcome.nodeStats());
        assertEquals(0, result.cut(), "members cut off");
        assertTrue(result.local().count() > 0, "latencies recorded on the sender's node");
        assertTrue(result.remote().count() > 0, "latencies recorded on the other node");
        assertTrue(outcome.nodeStats().get(1).contains("received=" + outcome.nodeStats().get(0)
                .replaceFirst(".*published=(\\d+).*", "$1")), "the other node received what the first published: "
                + outcome.nodeStats());
    }
}
