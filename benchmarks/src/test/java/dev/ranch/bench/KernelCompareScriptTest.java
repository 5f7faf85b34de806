package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code scripts/kernel-compare.py} still runs end to end, so it cannot rot: one workload
 * (HTTP keep-alive under wrk), one round of one second, Netty at one loop, against this build's
 * classes. Checks that both servers' rows carry ops/s and CPU per op, and, where the script
 * could count system calls (perf, else strace), at least one read and one write per request in
 * all. Skipped with the reason where python3 or wrk is missing and cannot be installed.
 */
class KernelCompareScriptTest {

    /** One table row: server, ops/s, user, sys, total, syscalls/op, epoll_wait, read, write, other, x floor. */
    private static final Pattern ROW = Pattern.compile(
            "^\\|[^|]*\\| ((?:ranch|Netty NIO) \\([^)]*\\)) \\| ([\\d,]+)(?: ± [\\d,]+)? \\| ([\\d.,]+) \\| ([\\d.,]+) "
                    + "\\| ([\\d.,]+)(?: ± [\\d.,]+)? \\| ([\\d.,-]+) \\| ([\\d.,-]+) \\| ([\\d.,-]+) \\| ([\\d.,-]+) \\|",
            Pattern.MULTILINE);

    @Test
    @Timeout(120)
    void keepAliveRunReportsCpuAndSyscallsPerRequestForRanchAndNetty() throws Exception {
        Path python = SystemPackages.require("python3", "python3");
        Path wrk = SystemPackages.require("wrk", "wrk");
        Path json = Files.createTempFile("kernel-compare", ".json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            ExternalProcess run = ExternalProcess.run(Duration.ofSeconds(100), python.toString(),
                    "scripts/kernel-compare.py", "--cp", System.getProperty("java.class.path"), "--java", java,
                    "--wrk", wrk.toString(), "--workloads", "keepalive", "--connections", "8",
                    "--warmup", "1", "--duration", "1", "--rounds", "1", "--netty-loops", "1",
                    "--json", json.toString());

            String output = run.output();
            assertEquals(0, run.exitCode(), output);
            List<String> servers = new ArrayList<>();
            Matcher row = ROW.matcher(output);
            while (row.find()) {
                servers.add(row.group(1));
                assertTrue(number(row.group(2)) > 0, "ops/s in " + row.group());
                assertTrue(number(row.group(5)) > 0, "CPU per op in " + row.group());
                if (!row.group(6).equals("-")) {
                    double calls = number(row.group(6));
                    double reads = number(row.group(8));
                    double writes = number(row.group(9));
                    assertTrue(reads >= 0.9 && writes >= 0.9, "a read and a write per request in " + row.group());
                    assertTrue(calls >= reads + writes, "all system calls include reads and writes: " + row.group());
                }
            }
            // ranch is tried at 1 and 2 loops by default, as Netty is, and shown at its better one.
            assertEquals(2, servers.size(), output);
            assertTrue(servers.get(0).equals("ranch (1 loop)") || servers.get(0).equals("ranch (2 loops)"), output);
            assertEquals("Netty NIO (1 loop)", servers.get(1), output);
            assertTrue(output.contains("| | **ranch / Netty** |"), output);
            assertTrue(output.contains("ranch: 1 and 2 loops tried"), output);
            String written = Files.readString(json);
            assertTrue(written.contains("\"dev.ranch.bench.Kernel.keepalive\"") && written.contains("\"cpu.sys.norm\""),
                    written);
            // chart.py pairs the server named "ranch" with each Netty one: the best loop count
            // carries that name, the other its count, so a chart never shows the loser.
            String other = servers.get(0).equals("ranch (1 loop)") ? "ranch, 2 loops" : "ranch, 1 loop";
            assertTrue(written.contains("\"server\": \"ranch\"") && written.contains("\"server\": \"" + other + "\""),
                    written);
        } finally {
            Files.deleteIfExists(json);
        }
    }

    private static double number(String text) {
        return Double.parseDouble(text.replace(",", ""));
    }
}
