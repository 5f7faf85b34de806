package dev.ranch.chat;

import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code haproxy.cfg} that {@code docs/deploy.md} tells people to copy is one HAProxy accepts. */
class DeployGuideTest {

    private static final Path GUIDE = Path.of("..", "docs", "deploy.md");

    @TempDir
    Path dir;

    @Test
    void theGuidesHaproxyConfigurationPassesHaproxysOwnCheck() throws IOException {
        Path haproxy = SystemPackages.require("haproxy", "haproxy");
        String guide = Files.readString(GUIDE);
        int start = guide.indexOf("```haproxy\n");
        assertTrue(start >= 0, "no ```haproxy block in " + GUIDE.toAbsolutePath());
        int end = guide.indexOf("\n```", start + 1);
        Path config = Files.writeString(dir.resolve("haproxy.cfg"),
                guide.substring(start + "```haproxy\n".length(), end + 1));

        ExternalProcess check = ExternalProcess.run(Duration.ofSeconds(30), haproxy.toString(), "-c", "-f",
                config.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("Configuration file is valid"), check.output());
    }
}
