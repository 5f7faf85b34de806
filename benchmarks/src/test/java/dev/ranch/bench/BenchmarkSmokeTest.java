package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;
import dev.ranch.core.test.SystemPackages;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once in a tiny configuration, so that none can rot: no warm-up, one
 * 200 ms measurement, few connections, in this JVM (the idle-memory benchmark still starts
 * its child servers). Checks that each benchmark and server kind produced a positive score, and
 * that {@link CpuTimeProfiler} reports CPU (user and system) and read/write system calls per
 * operation for every one of them.
 */
class BenchmarkSmokeTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyBenchmarkRunsOnce() throws Exception {
        // RedisBenchmark needs a redis-server: installed here when missing, left out where impossible.
        boolean redis;
        try {
            SystemPackages.require("redis-server", "redis-server");
            redis = true;
        } catch (TestAbortedException noRedis) {
            redis = false;
        }
        OptionsBuilder builder = new OptionsBuilder();
        if (!redis) {
            builder.exclude("RedisBenchmark");
        }
        Options options = builder
                .include("dev\\.ranch\\.bench\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .param("connections", "4")
                .param("members", "10")
                .param("transport", "tcp", "tls")
                // One command is enough to know the Redis pair still runs; both double its trials.
                .param("command", "GET")
                .shouldFailOnError(true)
                .addProfiler(CpuTimeProfiler.class)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult result : results) {
            double score = result.getPrimaryResult().getScore();
            String server = result.getParams().getParam("server");
            String name = result.getParams().getBenchmark().replaceFirst(".*\\.(\\w+\\.\\w+)$", "$1")
                    // TaskQueueBenchmark compares two queues, not two servers.
                    + " " + (server == null ? result.getParams().getParam("queue") : server)
                    + (result.getParams().getParam("transport") == null ? "" : " " + result.getParams().getParam("transport"));
            assertTrue(score > 0, name + " scored " + score);
            ran.add(name);
        }
        Set<String> expected = new TreeSet<>(Set.of(
                "ConnectionRateBenchmark.connectEchoClose netty-nio",
                "ConnectionRateBenchmark.connectEchoClose ranch",
                "ChatFanOutBenchmark.fanOut netty-nio",
                "ChatFanOutBenchmark.fanOut ranch",
                "HttpBenchmark.requests netty-nio",
                "HttpBenchmark.requests ranch",
                "HttpParseBenchmark.parse netty",
                "HttpParseBenchmark.parse ranch",
                "HpackBenchmark.decode netty",
                "HpackBenchmark.decode ranch",
                "HpackBenchmark.encode netty",
                "HpackBenchmark.encode ranch",
                "EchoBenchmark.echo netty-nio",
                "EchoBenchmark.echo ranch",
                "TlsEchoBenchmark.echo netty-nio",
                "TlsEchoBenchmark.echo ranch",
                "HttpsBenchmark.requests netty-nio",
                "HttpsBenchmark.requests ranch",
                "WebSocketEchoBenchmark.echo netty-nio",
                "WebSocketEchoBenchmark.echo ranch",
                "IdleMemoryBenchmark.idleConnections netty-nio tcp",
                "IdleMemoryBenchmark.idleConnections ranch tcp",
                "IdleMemoryBenchmark.idleConnections netty-nio tls",
                "IdleMemoryBenchmark.idleConnections ranch tls",
                "TaskQueueBenchmark.batch unsafe",
                "TaskQueueBenchmark.batch varhandle",
                "TaskQueueBenchmark.handOff unsafe",
                "TaskQueueBenchmark.handOff varhandle"));
        if (redis) {
            expected.addAll(Set.of("RedisBenchmark.pipelined ranch", "RedisBenchmark.pipelined lettuce",
                    "RedisBenchmark.pipelined lettuce-autoflush"));
        }
        assertEquals(expected, ran);
        for (RunResult result : results) {
            Map<String, Result> secondary = result.getSecondaryResults();
            String benchmark = result.getParams().getBenchmark();
            for (String cost : List.of("cpu.time.norm", "cpu.user.norm", "cpu.sys.norm", "cpu.client.norm",
                    "syscalls.read.norm", "syscalls.write.norm")) {
                assertTrue(secondary.containsKey(cost), benchmark + " reports " + cost + ": " + secondary.keySet());
            }
            if (benchmark.equals(EchoBenchmark.class.getName() + ".echo")) {
                // One message in flight per connection: every round trip is at least one read and
                // one write by the client and one of each by the server, all in this JVM.
                assertTrue(secondary.get("syscalls.read.norm").getScore() >= 1.5
                        && secondary.get("syscalls.write.norm").getScore() >= 1.5,
                        "echo reads and writes per round trip: " + secondary.get("syscalls.read.norm")
                                + ", " + secondary.get("syscalls.write.norm"));
            }
            if (result.getParams().getBenchmark().endsWith("idleConnections")) {
                // With 4 connections the figure is GC noise; only check it was measured.
                double perConnection = result.getSecondaryResults().get("heapBytesPerConnection").getScore();
                assertTrue(Double.isFinite(perConnection), "heap per idle connection: " + perConnection);
            }
        }
    }
}
