package dev.ranch.redis;

import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.MarkdownJavaBlocks;
import dev.ranch.redis.readme.RedisExample;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java, kept compiling and working: its java block is, byte for byte, the file
 * {@code readme/RedisExample.java} after its package line (the rule of the top-level README's
 * blocks), and the program runs in a child JVM, as a user would start it, against a real
 * redis-server.
 */
class ReadmeExampleTest {

    private static final Path README = Path.of("README.md");
    private static final Path FOLDER = Path.of("src", "test", "java", "dev", "ranch", "redis", "readme");

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    @Test
    void theReadmeShowsTheCompiledExample() {
        MarkdownJavaBlocks.assertPagesShowFolder(List.of(README), FOLDER, name -> true);
    }

    @Test
    void theReadmeExampleTalksToRedisAndExits() {
        try (RedisServer server = RedisServer.start()) {
            ExternalProcess example = processes.start(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), RedisExample.class.getName(), server.uri()));
            assertEquals(0, example.awaitExit(Duration.ofSeconds(60)), example.output());
            String output = example.output();
            assertTrue(output.contains("hello, visit 1"), output);
            assertTrue(output.contains("{name=Ada}"), output);
            assertTrue(output.contains("WRONGTYPE Operation against a key"), output);
            assertTrue(output.contains("room:lobby: hi all"), output);
        }
    }
}
