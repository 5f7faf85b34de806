package dev.ranch.core.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the Java shown in Markdown pages compiling: every {@code ```java} block of the pages
 * must be, byte for byte, either a whole source file of one folder after its {@code package}
 * line (named after the first class the block declares), or the lines of that folder's files
 * between {@code // region NAME} and {@code // endregion}, with their common indentation
 * removed. Every file of the folder the predicate selects must be shown, whole or by a region:
 * no example that the pages lost, no page text that the build does not compile.
 */
public final class MarkdownJavaBlocks {

    private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```\n", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile(
            "^(?:public )?(?:final )?(?:class|interface|record|enum) (\\w+)", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("\\Apackage [\\w.]+;\n\n");
    private static final Pattern REGION = Pattern.compile(
            "^[ \\t]*// region (\\S+)\n(.*?)^[ \\t]*// endregion\n", Pattern.DOTALL | Pattern.MULTILINE);

    private MarkdownJavaBlocks() {}

    /** The {@code ```java} blocks of {@code page}, in order. */
    public static List<String> blocks(Path page) {
        Matcher block = BLOCK.matcher(read(page));
        List<String> blocks = new ArrayList<>();
        while (block.find()) {
            blocks.add(block.group(1));
        }
        return blocks;
    }

    /**
     * Asserts the rule of the class comment for {@code pages} against the files of
     * {@code folder} that {@code shown} accepts.
     */
    public static void assertPagesShowFolder(List<Path> pages, Path folder, Predicate<String> shown) {
        Map<String, String> bodies = new TreeMap<>();   // file name -> text after its package line
        Map<String, String> regions = new TreeMap<>();  // "File.java#name" -> dedented region
        for (Path file : files(folder)) {
            String name = file.getFileName().toString();
            if (!shown.test(name)) {
                continue;
            }
            String text = read(file);
            Matcher packageLine = PACKAGE.matcher(text);
            assertTrue(packageLine.find(), file + " must start with its package line and a blank line");
            bodies.put(name, text.substring(packageLine.end()));
            Matcher region = REGION.matcher(text);
            while (region.find()) {
                regions.put(name + "#" + region.group(1), dedent(region.group(2)));
            }
        }
        Set<String> unshown = new TreeSet<>(bodies.keySet());
        for (Path page : pages) {
            for (String block : blocks(page)) {
                String region = regions.entrySet().stream().filter(e -> e.getValue().equals(block))
                        .map(Map.Entry::getKey).findFirst().orElse(null);
                if (region != null) {
                    unshown.remove(region.substring(0, region.indexOf('#')));
                    continue;
                }
                Matcher declared = CLASS.matcher(block);
                if (!declared.find()) {
                    fail(page + ": a java block declares no class and is no region of " + folder + ":\n" + block);
                }
                String file = declared.group(1) + ".java";
                assertTrue(bodies.containsKey(file), page + ": the block of " + file + " has no file in " + folder);
                assertEquals(bodies.get(file), block,
                        page + "'s block differs from " + folder.resolve(file) + "; copy one onto the other");
                unshown.remove(file);
            }
        }
        assertEquals(Set.of(), unshown, "files of " + folder + " that no page shows, whole or by a region");
    }

    private static String dedent(String lines) {
        int indent = lines.lines().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.lines().map(l -> l.isBlank() ? "" : l.substring(indent))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static List<Path> files(Path folder) {
        try (Stream<Path> all = Files.list(folder)) {
            return all.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
