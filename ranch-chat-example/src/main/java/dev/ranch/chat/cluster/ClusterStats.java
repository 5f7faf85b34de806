package dev.ranch.chat.cluster;

import java.util.Set;

/**
 * A snapshot of one node's traffic through the cluster, from {@link RedisRoomBus#stats()}.
 * Counts are in lines. Immutable.
 *
 * @param linked whether the node is subscribed to the cluster's channel now
 * @param published lines handed to Redis, which confirmed each publish
 * @param unsent lines said here that other nodes will not see: Redis was away, the publish
 *     failed, or more than {@link RedisRoomBus#PUBLISH_BUDGET} bytes were still waiting for Redis
 * @param received lines from other nodes handed to this node's rooms
 * @param ownEchoes lines of this node that came back from Redis and were dropped (its members had them already)
 * @param malformed messages on the channel that were not runs of lines, dropped
 * @param peakWaitingBytes the most bytes of publishes ever waiting for Redis at once; never
 *     above {@link RedisRoomBus#PUBLISH_BUDGET}
 * @param otherNodes the other live nodes, as of the last heartbeat
 */
public record ClusterStats(boolean linked, long published, long unsent, long received, long ownEchoes,
        long malformed, long peakWaitingBytes, Set<String> otherNodes) {
}
