package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the exported platform jar as a user would, with commands on stdin, and reads what it prints. */
class PlatformJarTest {
    private static final Path JAR = Path.of(System.getProperty("platform.jar", "target/platform.jar"));
    private static final Path EXAMPLE = Path.of(System.getProperty("example.jar", "../heap.example/target/heap.example.jar"));

    @TempDir
    Path workDir;

    private record Run(int exitCode, String out, String err) {
    }

    /** Pipes {@code script} into the platform and waits for it to exit at end of input. */
    private Run run(String script) throws Exception {
        Path out = workDir.resolve("out.txt");
        Path err = workDir.resolve("err.txt");
        Files.createDirectories(workDir.resolve("deploy"));
        Process process = new ProcessBuilder(javaCommand()).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(script.getBytes(StandardCharsets.UTF_8));
        }
        awaitExit(process);
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theReadmeSessionWorksAndAFailedCommandMakesTheExitStatusOne() throws Exception {
        Run run = run("""
                heap:list
                heap:alloc 8M --contiguous
                heap:stats heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM
                heap:alloc 1M --secure --cpu
                heap:free 1
                heap:stats heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM
                """);
        assertEquals(1, run.exitCode(), "a failed command makes the exit status 1\n" + run.err());
        for (String heap : List.of("fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM", "heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM",
                "heap.platform.HEAP_TYPE.SECURE")) {
            assertTrue(run.out().contains(heap), heap + " missing from heap:list\n" + run.out());
        }
        assertTrue(Pattern.compile("collection 1: 1 x 8\\.0 MiB on fuchsia\\.sysmem\\.heap\\.HEAP_TYPE\\.SYSTEM_RAM#0 "
                + "\\(served by heap\\.platform\\.HEAP_TYPE\\.CONTIGUOUS_SYSTEM_RAM#0\\), CPU, contiguous")
                .matcher(run.out()).find(), run.out());
        assertTrue(Pattern.compile("\\[0] koid \\d+ +8388608 bytes +phys 0x[0-9a-f]+").matcher(run.out()).find(), run.out());
        assertTrue(run.err().contains("error: CONSTRAINTS_INTERSECTION_EMPTY: participant 0 asks for secure_required together with CPU usage"),
                run.err());
        assertFalse(run.err().contains("Exception"), "no stack trace: " + run.err());
        List<Long> used = metric(run.out(), "used_size");
        assertEquals(List.of(8L << 20, 0L), used, "heap:free returns the pool to its initial free size");
        assertEquals(List.of(1L, 1L), metric(run.out(), "registry.clears"));
    }

    @Test
    void aScriptWithoutErrorsExitsZeroAndJsonIsOneDocumentPerCommand() throws Exception {
        Run run = run("""
                heap:alloc 64k --count 2 --json
                heap:list --json
                heap:free 1
                """);
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.out().lines().filter(line -> line.startsWith("{") || line.startsWith("[")).toArray(String[]::new);
        assertEquals(2, lines.length, run.out());
        assertTrue(lines[0].startsWith("{\"collection\":1,\"heap\":\"fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM#0\""), lines[0]);
        assertTrue(lines[0].endsWith("]}"), lines[0]);
        assertTrue(lines[1].contains("\"state\":\"active\""), lines[1]);
    }

    @Test
    void aHeapBundleCopiedIntoDeployBecomesRoutableWithinTwoSecondsAndRemovingItDrainsIt() throws Exception {
        assertTrue(Files.isRegularFile(EXAMPLE), "example heap bundle not built: " + EXAMPLE);
        Path deployed = workDir.resolve("deploy").resolve("heap.example.jar");
        Path out = workDir.resolve("out.txt");
        Files.createDirectories(deployed.getParent());
        Process process = new ProcessBuilder(javaCommand()).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(workDir.resolve("err.txt").toFile()).start();
        try (var stdin = process.getOutputStream()) {
            send(stdin, "heap:list");
            awaitOutput(out, 1, "HEAP ");
            assertFalse(Files.readString(out).contains("example.heap.BOUNDED"), "deployed before the copy");

            Files.copy(EXAMPLE, deployed, StandardCopyOption.REPLACE_EXISTING);
            long copied = System.nanoTime();
            Pattern active = Pattern.compile("example\\.heap\\.BOUNDED +0 active");
            int listings = 1;
            while (!active.matcher(Files.readString(out)).find()) {
                assertTrue(System.nanoTime() - copied < 10_000_000_000L, "never appeared\n" + Files.readString(out));
                send(stdin, "heap:list");
                awaitOutput(out, ++listings, "HEAP ");
                Thread.sleep(100);
            }
            long appearedMillis = (System.nanoTime() - copied) / 1_000_000;
            assertTrue(appearedMillis <= 2000, "appeared after " + appearedMillis + " ms");

            send(stdin, "heap:alloc 64k --heap example.heap.BOUNDED --cpu");
            awaitOutput(out, 1, "collection 1:");
            Files.delete(deployed);
            Pattern draining = Pattern.compile("example\\.heap\\.BOUNDED +0 draining");
            while (!draining.matcher(Files.readString(out)).find()) {
                send(stdin, "heap:list");
                awaitOutput(out, ++listings, "HEAP ");
                Thread.sleep(100);
            }
            send(stdin, "heap:free 1");
            send(stdin, "heap:list");
            awaitOutput(out, ++listings, "HEAP ");
        }
        awaitExit(process);
        String output = Files.readString(out);
        String last = output.substring(output.lastIndexOf("HEAP "));
        assertFalse(last.contains("example.heap.BOUNDED"), "a drained heap leaves the list\n" + last);
        assertEquals(0, process.exitValue());
    }

    private static void awaitExit(Process process) throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the platform did not exit at end of input within 60 s");
        }
    }

    private static List<String> javaCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dfelix.fileinstall.dir=deploy", "-jar", JAR.toAbsolutePath().toString());
    }

    private static void send(java.io.OutputStream stdin, String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits until {@code text} occurs at least {@code count} times in the output. */
    private static void awaitOutput(Path out, int count, String text) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.readString(out).split(Pattern.quote(text), -1).length - 1 < count) {
            assertTrue(System.nanoTime() < deadline, "no " + count + " x '" + text + "' in\n" + Files.readString(out));
            Thread.sleep(20);
        }
    }

    private static List<Long> metric(String out, String name) {
        Matcher matcher = Pattern.compile("^ +" + Pattern.quote(name) + " +(\\d+)$", Pattern.MULTILINE).matcher(out);
        List<Long> values = new java.util.ArrayList<>();
        while (matcher.find()) {
            values.add(Long.parseLong(matcher.group(1)));
        }
        return values;
    }
}
