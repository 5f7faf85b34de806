package dev.ranch.core.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The child's side of {@link ChildJvm}: announces the port, then answers commands read from
 * standard input until it ends. Built in commands: {@code heap} (used heap after full
 * collections, bytes), {@code threads} (live threads), {@code fds} (open descriptors, -1 where
 * they cannot be listed); a child adds its own with {@link #on}. An answer is printed as
 * {@code <mark><command> <value>}, so the child's log may share standard output. A command
 * that throws is answered {@code <command> ERROR <message>}. For the child's main thread.
 */
public final class ChildCommands {

    /** What starts every answer line, telling it apart from log lines. */
    static final String ANSWER_MARK = "@@child ";

    private final Map<String, Function<String, String>> commands = new LinkedHashMap<>();

    /** The built-in commands. */
    public ChildCommands() {
        on("heap", argument -> Long.toString(usedHeapAfterGc()));
        on("threads", argument -> Integer.toString(Thread.activeCount()));
        on("fds", argument -> Integer.toString(ProcessResources.fileDescriptorsVisible()
                ? ProcessResources.openFileDescriptors().size() : -1));
    }

    /**
     * Adds the command {@code name}: {@code action} gets the rest of the line (empty when none)
     * and returns the answer's value.
     */
    public ChildCommands on(String name, Function<String, String> action) {
        commands.put(name, action);
        return this;
    }

    /** Prints {@code READY <port>}, then answers commands until standard input ends. */
    public void serve(int port) throws IOException {
        answer("READY " + port);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] words = line.trim().split(" ", 2);
            Function<String, String> action = commands.get(words[0]);
            String value;
            try {
                value = action == null ? "ERROR unknown command" : action.apply(words.length > 1 ? words[1] : "");
            } catch (RuntimeException e) {
                value = "ERROR " + e;
            }
            answer(words[0] + " " + value);
        }
    }

    private static void answer(String line) {
        synchronized (System.out) {
            System.out.println(ANSWER_MARK + line);
            System.out.flush();
        }
    }

    /** Used heap after a few full collections, in bytes: the least of three readings. */
    public static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
