package dev.ranch.guide;

import dev.ranch.core.test.MarkdownJavaBlocks;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The guide's Java is this package's: every {@code ```java} block of {@code docs/guide/*.md} is
 * a file here (or a region of one) byte for byte, and every file here but the tests is shown
 * by a page. The other tests of this package run the examples against real sockets.
 */
class GuidePagesTest {

    private static final Path GUIDE = Path.of("..", "docs", "guide");
    private static final Path FOLDER = Path.of("src", "test", "java", "dev", "ranch", "guide");
    private static final Pattern LINK = Pattern.compile("\\]\\(([\\w-]+\\.md)\\)");

    @Test
    void everyJavaBlockOfTheGuideIsACompiledFileOfThisPackage() throws IOException {
        MarkdownJavaBlocks.assertPagesShowFolder(pages(), FOLDER, name -> !name.endsWith("Test.java"));
    }

    @Test
    void theIndexLinksEveryPageAndEveryLinkIsAPage() throws IOException {
        Matcher link = LINK.matcher(Files.readString(GUIDE.resolve("index.md")));
        Set<String> linked = new TreeSet<>();
        while (link.find()) {
            linked.add(link.group(1));
        }
        Set<String> pages = pages().stream().map(p -> p.getFileName().toString())
                .filter(name -> !name.equals("index.md")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(pages, linked, "docs/guide/index.md must link every page of docs/guide, and only those");
    }

    private static List<Path> pages() throws IOException {
        try (Stream<Path> all = Files.list(GUIDE)) {
            return all.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList());
        }
    }
}
