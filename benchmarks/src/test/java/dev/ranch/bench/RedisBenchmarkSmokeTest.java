package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.core.test.SystemPackages;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link RedisBenchmark} once in a tiny configuration (no warm-up, one 200 ms
 * measurement, 64-byte values, in this JVM), so that neither side can rot: each client starts
 * its own redis-server, connects, stores and reads every key (GET checks the value's size),
 * and scores above zero. Skipped with the reason when redis-server is missing and cannot be
 * installed.
 */
class RedisBenchmarkSmokeTest {

    @BeforeAll
    static void redisServer() {
        SystemPackages.require("redis-server", "redis-server");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyClientSetsAndGets() throws Exception {
        Options options = new OptionsBuilder()
                .include(RedisBenchmark.class.getName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .param("size", "64")
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult result : results) {
            double score = result.getPrimaryResult().getScore();
            String name = result.getParams().getBenchmark().replaceFirst(".*\\.", "") + " "
                    + result.getParams().getParam("client");
            assertTrue(score > 0, name + " scored " + score);
            ran.add(name);
        }
        assertEquals(new TreeSet<>(Set.of("get ranch", "get lettuce", "get lettuce-flush",
                "set ranch", "set lettuce", "set lettuce-flush")), ran);
    }
}
