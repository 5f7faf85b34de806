package dev.ranch.micrometer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's snippet is the compiled {@code MetricsExample}, word for word. */
class ReadmeSnippetTest {

    @Test
    void theReadmeShowsTheCompiledExample() throws IOException {
        String example = Files.readString(Path.of("src/test/java/MetricsExample.java"));
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains(example), "README.md must carry src/test/java/MetricsExample.java unchanged");
    }
}
