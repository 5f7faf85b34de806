package dev.ranch.chat;

import dev.ranch.core.test.SystemPackages;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A real headless Chromium for tests, driven through Debian's {@code chromedriver} with the
 * W3C WebDriver protocol: JSON over HTTP, spoken with {@code java.net.http}, so the test needs
 * no driver library. Not thread-safe: one test thread drives it.
 *
 * <p>{@link #start} bounds every step (driver start, browser start, each command), and
 * {@link #close()} stops the browser and the driver, killing them if they do not go, so a test
 * that fails anywhere still leaves no process behind.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** How long the driver may take to listen and the browser to open its first page. */
    static final Duration STARTUP_LIMIT = Duration.ofSeconds(40);
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(20);
    /** W3C WebDriver's key of an element reference in JSON. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Pattern DRIVER_PORT = Pattern.compile("started successfully on port (\\d+)");

    private final Process driver;
    private final Path profile;
    private final List<ProcessHandle> browserProcesses = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String base;
    private String session;

    private HeadlessChromium(Process driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Makes sure Chromium and its driver are installed, installing Debian's {@code chromium}
     * and {@code chromium-driver} when they are missing and this JVM can
     * ({@link SystemPackages}); otherwise the calling test is skipped with the reason.
     */
    static void assumeInstalled() {
        SystemPackages.require("chromium", "chromium");
        SystemPackages.require("chromedriver", "chromium-driver");
    }

    /**
     * Starts chromedriver on a free port and a headless Chromium session with a
     * {@code width} x {@code height} window; the driver's log and the browser's profile (removed
     * by {@link #close()}) go under {@code workDir}.
     *
     * @throws AssertionError when either does not come up within {@link #STARTUP_LIMIT}
     */
    static HeadlessChromium start(Path workDir, int width, int height) throws IOException {
        Path log = workDir.resolve("chromedriver.log");
        // A fresh profile each run: a browser killed earlier may have left its lock in an old one.
        Path profile = Files.createTempDirectory(workDir, "profile-");
        Process process = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=0")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        HeadlessChromium chromium = new HeadlessChromium(process, profile);
        try {
            int port = await("chromedriver listening").atMost(STARTUP_LIMIT)
                    .until(() -> driverPort(log, process), p -> p > 0);
            chromium.base = "http://127.0.0.1:" + port;
            Map<String, Object> options = Map.of(
                    "binary", CHROMIUM.toString(),
                    "args", List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                            "--disable-background-networking", "--force-device-scale-factor=1",
                            "--window-size=" + width + "," + height, "--user-data-dir=" + profile));
            Map<String, Object> capabilities = Map.of("capabilities", Map.of("alwaysMatch",
                    Map.of("browserName", "chrome", "goog:chromeOptions", options)));
            Object created = chromium.call("POST", "/session", capabilities, STARTUP_LIMIT);
            chromium.session = (String) ((Map<?, ?>) created).get("sessionId");
            process.descendants().forEach(chromium.browserProcesses::add);
            return chromium;
        } catch (RuntimeException | Error e) {
            chromium.close();
            throw e;
        }
    }

    private static int driverPort(Path log, Process process) throws IOException {
        if (!process.isAlive()) {
            throw new AssertionError("chromedriver exited with " + process.exitValue() + ": " + Files.readString(log));
        }
        Matcher m = DRIVER_PORT.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Loads {@code url} and returns once the page has loaded. */
    void open(String url) {
        command("POST", "/url", Map.of("url", url));
    }

    /** The rendered text of the first element matching the CSS {@code selector}. */
    String text(String selector) {
        return (String) command("GET", "/element/" + element(selector) + "/text", null);
    }

    /** Clicks into the first element matching {@code selector} and types {@code keys}. */
    void type(String selector, String keys) {
        command("POST", "/element/" + element(selector) + "/value", Map.of("text", keys));
    }

    /** Clicks the first element matching {@code selector}. */
    void click(String selector) {
        command("POST", "/element/" + element(selector) + "/click", Map.of());
    }

    /** Runs {@code script} (a function body; {@code arguments} holds {@code args}) and returns its result. */
    Object script(String script, Object... args) {
        return command("POST", "/execute/sync", Map.of("script", script, "args", List.of(args)));
    }

    /** Writes a PNG of the viewport to {@code file}. */
    void screenshot(Path file) throws IOException {
        String png = (String) command("GET", "/screenshot", null);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(png));
    }

    private String element(String selector) {
        Object found = command("POST", "/element", Map.of("using", "css selector", "value", selector));
        return (String) ((Map<?, ?>) found).get(ELEMENT);
    }

    private Object command(String method, String path, Object body) {
        return call(method, "/session/" + session + path, body, COMMAND_LIMIT);
    }

    /** One WebDriver request; its {@code value}, or an AssertionError carrying the driver's error. */
    private Object call(String method, String path, Object body, Duration limit) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(limit)
                .header("Content-Type", "application/json; charset=utf-8")
                .method(method, publisher)
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("WebDriver " + method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during WebDriver " + method + " " + path, e);
        }
        Object value = ((Map<?, ?>) Json.parse(response.body())).get("value");
        if (response.statusCode() != 200) {
            throw new AssertionError("WebDriver " + method + " " + path + ": HTTP " + response.statusCode() + " "
                    + (value instanceof Map ? ((Map<?, ?>) value).get("error") + ": " + ((Map<?, ?>) value).get("message")
                    : response.body()));
        }
        return value;
    }

    /**
     * Ends the session, then stops the driver and every browser process it started, by force if
     * need be, and removes the browser's profile.
     */
    @Override
    public void close() {
        if (session != null) {
            try {
                call("DELETE", "/session/" + session, null, Duration.ofSeconds(10));
            } catch (RuntimeException | AssertionError e) {
                // The processes are stopped below either way.
            }
            session = null;
        }
        driver.descendants().forEach(browserProcesses::add);
        driver.destroy();
        try {
            if (!driver.waitFor(5, TimeUnit.SECONDS)) {
                driver.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle browser : browserProcesses) {
            browser.destroyForcibly();
        }
        for (ProcessHandle browser : browserProcesses) {
            try {
                browser.onExit().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Killed with SIGKILL; the kernel finishes it even if we stop watching.
            }
        }
        try (java.util.stream.Stream<Path> files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Only disk space in target/ is at stake.
        }
    }
}
