package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Heaps page in a real browser: the platform jar runs, the shell allocates three contiguous buffers, headless
 * Chromium (driven by chromedriver over the WebDriver protocol) logs in with the password the platform printed,
 * and the DOM is checked; a screenshot goes to target/heaps-page.png.
 */
class WebConsoleInBrowserTest {
    private static final Path JAR = Path.of(System.getProperty("platform.jar", "target/platform.jar"));
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The console's generated password and the port Jetty took, as the platform logs them (PlatformJarTest too). */
    static final Pattern PASSWORD = Pattern.compile("user admin, password (\\S+) at");
    static final Pattern JETTY_PORT = Pattern.compile("Started Jetty \\S+ at port\\(s\\) HTTP:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path workDir;

    @Test
    void theHeapsPageListsTheHeapsAndQuotasAndDrawsEachBufferInItsOwnersColour() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "no headless browser here (Debian's chromium and chromium-driver): the browser test is skipped");
        Files.createDirectories(workDir.resolve("deploy"));
        Files.writeString(workDir.resolve("deploy").resolve("heap.quota-shell.cfg"), "bundle=heap.shell\nmax.buffers=64\n");
        Path err = workDir.resolve("err.txt");
        Process platform = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseCompactObjectHeaders",
                // Port 0 from the start: Jetty takes a free port itself, once. A port probed free here could be taken
                // before the platform binds it, and a configuration file restarting Jetty races its first start.
                "-Dorg.osgi.service.http.port=0", "-Dfelix.fileinstall.dir=deploy",
                "-Djava.io.tmpdir=" + Files.createDirectories(workDir.resolve("tmp")), "-jar", JAR.toAbsolutePath().toString())
                .directory(workDir.toFile()).redirectOutput(workDir.resolve("out.txt").toFile()).redirectError(err.toFile())
                .start();
        Process driver = null;
        try (var stdin = platform.getOutputStream()) {
            stdin.write("heap:alloc 64k --contiguous --count 3\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            String password = await("the generated password in the log", () -> {
                Matcher matcher = PASSWORD.matcher(read(err));
                return matcher.find() ? matcher.group(1) : null;
            }, err);
            int httpPort = Integer.parseInt(await("Jetty started on the port it took", () -> {
                Matcher matcher = JETTY_PORT.matcher(read(err));
                return matcher.find() ? matcher.group(1) : null;
            }, err));
            String page = "http://127.0.0.1:" + httpPort + "/system/console/heaps";
            await("the console on port " + httpPort, () -> status(page) == 401 ? "up" : null, err);

            int driverPort = freePort();
            driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + driverPort)
                    .redirectOutput(workDir.resolve("chromedriver.txt").toFile()).redirectErrorStream(true).start();
            String webDriver = "http://127.0.0.1:" + driverPort;
            await("chromedriver", () -> status(webDriver + "/status") == 200 ? "ready" : null,
                    workDir.resolve("chromedriver.txt"));
            String session = field(post(webDriver + "/session", "{\"capabilities\":{\"alwaysMatch\":{\"browserName\":"
                    + "\"chrome\",\"goog:chromeOptions\":{\"binary\":\"" + CHROMIUM + "\",\"args\":[\"--headless=new\","
                    + "\"--no-sandbox\",\"--disable-gpu\",\"--disable-dev-shm-usage\",\"--window-size=1400,1100\"]}}}}"),
                    "sessionId");
            String at = webDriver + "/session/" + session;
            String basic = Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
            post(at + "/goog/cdp/execute", "{\"cmd\":\"Network.enable\",\"params\":{}}");
            post(at + "/goog/cdp/execute", "{\"cmd\":\"Network.setExtraHTTPHeaders\",\"params\":{\"headers\":"
                    + "{\"Authorization\":\"Basic " + basic + "\"}}}");
            post(at + "/url", "{\"url\":\"" + page + "\"}");
            await("three buffers drawn", () -> script(at, "return document.querySelectorAll('svg.pool-map rect.buffer')"
                    + ".length").equals("3") ? "drawn" : null, err);

            assertEquals("3", script(at, "return document.querySelectorAll('#heaps tbody tr').length"), "three heaps listed");
            String owners = script(at, "return Array.from(document.querySelectorAll('svg.pool-map rect.buffer'))"
                    + ".map(r => r.getAttribute('data-owner') + '|' + r.getAttribute('fill')).join(';')");
            List<String> drawn = List.of(owners.split(";"));
            assertEquals(1, drawn.stream().distinct().count(), "one owner, one colour: " + owners);
            assertTrue(drawn.get(0).startsWith("heap.shell "), "the shell's bundle owns what it allocated: " + owners);
            String colour = drawn.get(0).substring(drawn.get(0).indexOf('|') + 1);
            assertEquals("1", script(at, "return Array.from(document.querySelectorAll('.legend span'))"
                    + ".filter(s => s.style.background.length > 0 && s.nextSibling && s.nextSibling.textContent"
                    + ".includes('heap.shell')).length.toString()"), "the legend names the owner beside its colour");
            assertEquals("1", script(at, "return document.querySelectorAll('svg.pool-map rect.free.largest').length"
                    + ".toString()"), "the largest free region is marked");
            assertTrue(colour.startsWith("hsl("), colour);
            assertEquals("heap.quota~shell|heap.shell|64|heap.shell|in force", script(at, "return Array.from("
                    + "document.querySelectorAll('#quotas tbody tr td')).map(td => td.textContent)"
                    + ".filter((text, i) => [0, 1, 4, 5, 6].includes(i)).join('|')"), "the quota and the bundle it limits");

            Path screenshot = Path.of("target", "heaps-page.png");
            Files.write(screenshot, Base64.getDecoder().decode(field(get(at + "/screenshot"), "value")));
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the page, not an empty image");
            delete(at);
            stdin.write("exit\n".getBytes(StandardCharsets.UTF_8));
        } finally {
            if (driver != null) {
                driver.destroy();
            }
            if (!platform.waitFor(30, TimeUnit.SECONDS)) {
                platform.destroyForcibly();
            }
        }
    }

    private static String script(String session, String body) {
        return field(post(session + "/execute/sync", "{\"script\":\"" + body.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"args\":[]}"), "value");
    }

    /** A string (without quotes inside) or number field of a WebDriver answer: enough for what this test reads. */
    private static String field(String json, String name) {
        // A possessive class, not an alternation: the screenshot's value is megabytes long.
        Matcher matcher = Pattern.compile("\"" + name + "\"\\s*:\\s*(\"([^\"]*+)\"|(-?\\d+))").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError("no " + name + " in the WebDriver answer " + json);
        }
        return matcher.group(2) != null ? matcher.group(2).replace("\\/", "/") : matcher.group(3);
    }

    private static String post(String url, String json) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build()).body();
    }

    private static String get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).build()).body();
    }

    private static void delete(String url) {
        send(HttpRequest.newBuilder(URI.create(url)).DELETE().build());
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code value} for 60 s; a timeout names what was awaited and shows the end of {@code log}. */
    private static <T> T await(String what, Supplier<T> value, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            T found = value.get();
            if (found != null) {
                return found;
            }
            Thread.sleep(100);
        }
        String text = read(log);
        throw new AssertionError("no " + what + " within 60 s; " + log.getFileName() + " ends:\n"
                + text.substring(Math.max(0, text.length() - 4000)));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
