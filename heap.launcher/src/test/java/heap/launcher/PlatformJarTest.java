package heap.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
    private static final Path SCRIPT = Path.of("..", "platform").toAbsolutePath().normalize();

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
        assertFalse(Pattern.compile("(?m)^\\s+at [\\w.$/]+\\(").matcher(run.err()).find(), "no stack trace: " + run.err());
        assertFalse(run.err().contains("went away") || run.err().contains("drained"),
                "heaps leaving with the framework at exit are no operator's event: " + run.err());
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
    void stdoutCarriesOnlyCommandOutputAndArgumentErrorsAreExplained() throws Exception {
        Run run = run("""
                heap:list --json
                heap:alloc 200M --secure --count 2 --json
                heap:free abc --json
                heap:info --json
                heap:free abc
                heap:alloc 4k --bogus
                heap:list --help
                """);
        assertEquals(1, run.exitCode(), run.err());
        List<String> json = run.out().lines().filter(line -> line.startsWith("{") || line.startsWith("[")).toList();
        assertEquals(4, json.size(), "one JSON document per --json command, no log line among them:\n" + run.out());
        assertTrue(json.get(1).startsWith("{\"error\":\"NO_MEMORY\""), json.get(1));
        assertTrue(json.get(2).contains("\"error\":\"INVALID_ARGS\"") && json.get(2).contains("ID 'abc' is not a number"),
                json.get(2));
        assertTrue(json.get(3).contains("ID-or-KOID is missing"), json.get(3));
        assertTrue(run.out().contains("usage: heap:list [--json]"), run.out());
        assertFalse(run.out().contains("[heap."), "no log line on stdout:\n" + run.out());
        assertTrue(run.err().contains("INFO [heap.registry]"), "logs go to stderr:\n" + run.err());
        assertTrue(run.err().contains("WARNING") || run.err().contains("WARN [heap."), "the heap's refusal is logged: "
                + run.err());
        assertTrue(run.err().contains("error: heap:free: ID 'abc' is not a number; usage: heap:free [--json] ID"), run.err());
        assertTrue(run.err().contains("error: heap:alloc: unknown option --bogus; usage: heap:alloc SIZE"), run.err());
        assertFalse(run.err().contains("Cannot coerce"), run.err());
    }

    @Test
    void helpDescribesEveryFlagAndHelpHeapFindsTheCommands() throws Exception {
        Run run = run("""
                help heap:alloc
                help heap
                heap
                """);
        assertTrue(run.out().contains("how many buffers") && run.out().contains("permit only this heap"), run.out());
        assertFalse(run.out().contains("null"), "every flag has a description:\n" + run.out());
        assertTrue(run.out().contains("lists the heap commands and their usage"), run.out());
        assertTrue(run.out().contains("heap:info [--koid] [--json] ID-or-KOID"), run.out());
    }

    /**
     * A script that is not a readable file, or two, or an option it does not know, is refused before the platform
     * starts (it used to start; --server was taken for a script's name).
     */
    @Test
    void thePlatformScriptRefusesAScriptItCannotReadOrAnUnknownOptionBeforeStarting() throws Exception {
        String[][] refusals = {{workDir.resolve("missing.txt").toString(), "is not a readable file"},
            {workDir.toString(), "is not a readable file"},
            {"a.txt", "b.txt", "usage: ./platform [SCRIPT | --serve | --attach [SCRIPT]] (one script; got 2 arguments)"},
            {"--serve", "a.txt", "usage: ./platform --serve (no script with it)"},
            {"--attach", "a.txt", "b.txt", "usage: ./platform --attach [SCRIPT] (one script; got 2 arguments)"},
            {"--server", "error: unknown option --server\nusage: ./platform [SCRIPT]"}};
        for (String[] refusal : refusals) {
            List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
            command.addAll(List.of(refusal).subList(0, refusal.length - 1));
            Process refused = new ProcessBuilder(command).start();
            refused.getOutputStream().close();
            awaitExit(refused);
            String err = new String(refused.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, refused.exitValue(), err);
            assertTrue(err.contains(refusal[refusal.length - 1]), err);
            assertFalse(err.contains("Jetty") || err.contains("registered"), "nothing started: " + err);
        }
    }

    @Test
    void helpPrintsTheWaysToRunThePlatformOnStdoutAndExitsZero() throws Exception {
        Process help = new ProcessBuilder("bash", SCRIPT.toString(), "--help").start();
        awaitExit(help);
        String out = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, help.exitValue(), out);
        for (String form : List.of("./platform [SCRIPT]", "./platform --serve", "./platform --attach [SCRIPT]", "DEPLOY_DIR",
                "HEAP_LOG_LEVEL", "HEAP_CONSOLE_SOCKET")) {
            assertTrue(out.contains(form), form + " in\n" + out);
        }
    }

    /**
     * ./platform checks HEAP_LOG_LEVEL, the level holds from the first line (before the log bridge is up), a run
     * leaves nothing in the temporary directory, and at INFO third parties print only what is above their WARN.
     */
    @Test
    void thePlatformScriptRefusesABadLogLevelObeysAGoodOneFromTheFirstLineKeepsThirdPartiesAtWarnAndLeavesNoTemporaryFiles() throws Exception {
        ProcessBuilder bogus = new ProcessBuilder("bash", SCRIPT.toString()).redirectInput(ProcessBuilder.Redirect.PIPE);
        bogus.environment().put("HEAP_LOG_LEVEL", "bogus");
        Process refused = bogus.start();
        refused.getOutputStream().close();
        awaitExit(refused);
        assertEquals(2, refused.exitValue());
        assertTrue(new String(refused.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                .contains("HEAP_LOG_LEVEL=bogus is not one of ERROR, WARN, INFO, DEBUG, TRACE"));

        Path out = workDir.resolve("warn-out.txt");
        Path err = workDir.resolve("warn-err.txt");
        ProcessBuilder warn = platformScript(out, err);
        warn.environment().put("HEAP_LOG_LEVEL", "warn");
        Path tmp = Files.createDirectories(workDir.resolve("script-tmp"));
        warn.environment().put("TMPDIR", tmp.toString());
        Process quiet = warn.start();
        try (var stdin = quiet.getOutputStream()) {
            send(stdin, "heap:list");
            for (int i = 0; i < 600 && !Files.readString(out).contains("SYSTEM_RAM"); i++) {
                Thread.sleep(100);
            }
            try (var running = Files.walk(tmp)) { // while it runs: the launcher's jars are in the run's own directory
                assertTrue(running.anyMatch(file -> file.getFileName().toString().matches("resource.*\\.jar")),
                        "java.io.tmpdir is under TMPDIR");
            }
        }
        awaitExit(quiet);
        assertEquals(0, quiet.exitValue(), Files.readString(err));
        assertTrue(Files.readString(out).contains("fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM"));
        assertFalse(Files.readString(err).contains("INFO"), "no INFO line at WARN:\n" + Files.readString(err));
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the run's unpacked launcher and framework cache are gone");
        }

        // HEAP_LOG_LEVEL unset (INFO), and a level in deploy/heap.log.cfg, which wins over the script's: it did not.
        Files.writeString(workDir.resolve("deploy").resolve("heap.log.cfg"), "level=DEBUG\n");
        Process atInfo = platformScript(out, err).start();
        try (var stdin = atInfo.getOutputStream()) {
            send(stdin, "heap:alloc 4k");
            send(stdin, "heap:free 1");
        }
        awaitExit(atInfo);
        String log = Files.readString(err);
        assertTrue(log.contains("DEBUG [heap.system-ram] heap system-ram: reclaimed collection 1 index 0"),
                "deploy/heap.log.cfg's level:\n" + log);
        assertTrue(log.contains("INFO [heap.registry] heap heap.platform.HEAP_TYPE.SECURE#0"), "the heaps' events:\n" + log);
        assertTrue(log.contains("INFO org.apache.felix.http - Started Jetty"), "the port Jetty took:\n" + log);
        assertFalse(log.contains("INFO org.eclipse.jetty") || log.contains("INFO org.apache.felix.hc"),
                "third parties' INFO lines, which name no event of an operator's:\n" + log);
    }

    /** At a terminal (a pty from util-linux's script): Ctrl-C drops the line, exit leaves cleanly with status 0. */
    @Test
    void atATerminalCtrlCCancelsTheLineAndAFailedCommandDoesNotMakeTheExitStatus() throws Exception {
        // script runs the command with $SHELL -c; dash (/bin/sh) stays as java's parent and dies of the Ctrl-C, so
        // script would report 130 for it: exec makes java the pty's only process, whatever the shell.
        ctrlCAtThePrompt("exec " + String.join(" ", javaCommand().stream().map(arg -> "'" + arg + "'").toList()));
    }

    /**
     * The same through ./platform, which runs java as a background child it waits on (to pass SIGTERM on): bash
     * starts a plain background command with SIGINT ignored, and Ctrl-C then did nothing (the script runs java in a
     * subshell that gives it back).
     */
    @Test
    void atATerminalThroughThePlatformScriptCtrlCStillReachesTheConsole() throws Exception {
        ctrlCAtThePrompt("exec bash '" + SCRIPT + "'");
    }

    private void ctrlCAtThePrompt(String command) throws Exception {
        Path out = workDir.resolve("tty.txt");
        Process process = atATerminal(command, out);
        try (var stdin = process.getOutputStream()) {
            awaitOutput(out, 1, "heap> ");
            stdin.write(new byte[] {3}); // Ctrl-C at the prompt
            stdin.flush();
            awaitOutput(out, 2, "heap> "); // the console's answer: the line dropped, a new prompt (the pty echoes ^C anyway)
            send(stdin, "heap:free 99");
            awaitOutput(out, 1, "no collection 99");
            send(stdin, "heap:list");
            awaitOutput(out, 1, "fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM");
            send(stdin, "exit");
            awaitExit(process);
        }
        assertEquals(0, process.exitValue(), "a person's failed command does not fail the session:\n"
                + Files.readString(out));
    }

    /**
     * Files in deploy/ as the platform starts are in effect for the first command, checked like later ones (a bad
     * value refused, the rest applied), quotas too (one in force, one refused and listed so), and a file that
     * configures nothing here (a '-' in its name) is warned about.
     */
    @Test
    void configurationsInDeployAtStartAreInEffectForTheFirstCommandAndAMisnamedOneIsWarnedAbout() throws Exception {
        Path deploy = Files.createDirectories(workDir.resolve("deploy"));
        Files.writeString(deploy.resolve("heap.systemram.cfg"), "max.buffer.bytes=1048576\n");
        Files.writeString(deploy.resolve("heap.registry.cfg"), "max.buffer.count=abc\nmax.buffer.bytes=2097152\n");
        Files.writeString(deploy.resolve("heap.system-ram.cfg"), "max.buffer.bytes=4096\n");
        Files.writeString(deploy.resolve("heap.quota-camera.cfg"), "bundle=com.example.*\nmax.bytes=16777216\n");
        Files.writeString(deploy.resolve("heap.quota-typo.cfg"), "bundle=com.example.*\nmax.bytes=16M\n");
        Run run = run("""
                heap:stats system-ram
                heap:alloc 4M
                heap:alloc 4k --count 129
                heap:quotas
                """);
        assertTrue(Pattern.compile("heap\\.quota~camera +com\\.example\\.\\* +\\(every heap\\) +16777216").matcher(run.out())
                .find(), "the quota in force at the first prompt:\n" + run.out());
        assertTrue(run.out().contains("its last update was refused: max.bytes=16M is not a whole number of bytes"),
                run.out());
        assertTrue(Pattern.compile("max_buffer_size +1048576").matcher(run.out()).find(), run.out());
        assertTrue(run.err().contains("configuration heap.registry: max.buffer.count=abc refused"), run.err());
        assertTrue(Pattern.compile("\\d ERROR \\[heap.registry\\] heap.quota configuration heap.quota~typo refused")
                .matcher(run.err()).find(), "refused before the log bridge is up, named as after it:\n" + run.err());
        assertFalse(run.err().contains(" SEVERE ") || run.err().contains(" WARNING ["), run.err());
        assertTrue(run.err().contains("above the limit of 2097152 bytes per buffer"), run.err());
        assertTrue(run.err().contains("above the limit of 128 per collection"), run.err());
        assertTrue(run.err().contains("warning: deploy/heap.system-ram.cfg configures factory PID heap.system, "
                + "which nothing here takes"), run.err());
        assertEquals(1, run.exitCode());
    }

    /** With the registry stopped the heap commands are gone: saying so beats Gogo's "Command not found". */
    @Test
    void aHeapCommandWhileTheRegistryIsStoppedSaysTheRegistryIsNotRunning() throws Exception {
        Run run = run("""
                heap:alloc 4k
                stop 5
                heap:list
                heap:list --json
                start 5
                heap:free 1
                heap:alloc 4k --json
                """); // bundle 5 is heap.registry, by platform.bndrun's order (Gogo's start takes no name)
        assertTrue(run.err().contains("error: heap:list is not there while the registry (heap.registry) is not running"),
                run.err());
        assertTrue(run.out().contains("{\"error\":\"BAD_STATE\",\"message\":\"heap:list is not there"), run.out());
        assertTrue(run.out().contains("\"collection\":"), "the commands are back with the registry: " + run.out());
        assertTrue(run.err().contains("error: NOT_FOUND: no collection 1 is held by this shell (heap:collections lists "
                + "them; what it held went back if the registry stopped since)"), "the registry's stop took it: " + run.err());
        assertEquals(1, run.exitCode());
    }

    /**
     * With the shell's own bundle stopped or uninstalled, the heap commands are gone too: the console names that, not
     * the registry, and still stops the platform at end of input.
     */
    @Test
    void aHeapCommandWhileTheShellsBundleIsStoppedOrUninstalledSaysSo() throws Exception {
        Run run = run("""
                stop 7
                heap:list
                start 7
                heap:list
                """); // bundle 7 is heap.shell, by platform.bndrun's order
        assertTrue(run.err().contains("error: heap:list is not there while the shell's bundle (heap.shell, 7) is not "
                + "active; start 7 brings it back"), run.err());
        assertFalse(run.err().contains("registry (heap.registry) is not running"), run.err());
        assertTrue(run.out().contains("fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM"), "back once started: " + run.out());
        assertEquals(1, run.exitCode());

        Run uninstalled = run("""
                uninstall 7
                heap:list
                """);
        assertTrue(uninstalled.err().contains("error: heap:list is not there while the shell's bundle (heap.shell) is "
                + "uninstalled; install it again to bring them back"), uninstalled.err());
        assertTrue(Pattern.compile("heap contiguous: pool of \\d+ bytes released").matcher(uninstalled.err()).find(),
                "the console still stops the platform at end of input:\n" + uninstalled.err());
    }

    /** With 127.0.0.1:8080 taken (another platform, say), ./platform's HTTP takes a free port and says which. */
    @Test
    void withPort8080TakenThePlatformScriptServesHttpOnAFreePortAndNamesIt() throws Exception {
        java.net.ServerSocket taken = null;
        try {
            taken = new java.net.ServerSocket(8080, 50, java.net.InetAddress.getLoopbackAddress());
        } catch (java.net.BindException alreadyTaken) {
            // taken by something else on this machine: the same case
        }
        try {
            Path out = workDir.resolve("taken-out.txt");
            Path err = workDir.resolve("taken-err.txt");
            Process platform = platformScript(out, err).start();
            try (var stdin = platform.getOutputStream()) {
                send(stdin, "heap:list");
            }
            awaitExit(platform);
            String log = Files.readString(err);
            assertEquals(0, platform.exitValue(), log);
            assertTrue(log.contains("warning: 127.0.0.1:8080 is in use (another ./platform?): HTTP takes a free port"), log);
            Matcher started = WebConsoleInBrowserTest.JETTY_PORT.matcher(log);
            assertTrue(started.find(), log);
            assertNotEquals("8080", started.group(1));
            assertTrue(log.contains("at http://127.0.0.1:" + started.group(1) + "/system/console/heaps"),
                    "the password line names the port taken:\n" + log);
            assertFalse(log.contains("Failed to bind"), log);
        } finally {
            if (taken != null) {
                taken.close();
            }
        }
    }

    /**
     * Plain {@code update N} cannot reread a bundle from inside platform.jar: one line says to give the jar (Felix
     * printed a MalformedURLException's stack trace), and the update with the jar works.
     */
    @Test
    void aPlainUpdateOfABundleFromInsidePlatformJarSaysToGiveTheJarAndAnUpdateWithTheJarWorks() throws Exception {
        Path jar = builtJar("heap.system-ram");
        Run run = run("""
                update 8
                update 8 %s
                heap:list
                """.formatted(jar.toUri())); // bundle 8 is heap.system-ram, by platform.bndrun's order
        assertTrue(run.err().contains("error: update 8: bundle heap.system-ram came from inside platform.jar "
                + "(jar/heap.system-ram-"), run.err());
        assertTrue(run.err().contains("give it the new jar: update 8 file:/path/to/heap.system-ram.jar"), run.err());
        assertFalse(run.err().contains("MalformedURLException"), run.err());
        assertTrue(run.err().contains("heap fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM#0 (heap.system-ram")
                && run.err().contains("went away with 0 buffers outstanding"), "the jar replaced it:\n" + run.err());
        assertTrue(Pattern.compile("fuchsia\\.sysmem\\.heap\\.HEAP_TYPE\\.SYSTEM_RAM +0 active").matcher(run.out()).find(),
                run.out());
        assertEquals(1, run.exitCode(), "the refused line counts as a failed command");
    }

    /**
     * An update of heap.api, then {@code refresh}, as an operator types them: every bundle wired to heap.api restarts,
     * and a secure heap configured with a hexadecimal base comes back over it. Plain {@code refresh} failed with a
     * NullPointerException and refreshed nothing; and once it did, the secure heap could start before the
     * configuration check (then in the registry bundle, refreshed too), read "0x100000000" unchecked and stay failed.
     */
    @Test
    void afterAnUpdateOfHeapApiAndAPlainRefreshAHexConfiguredSecureHeapComesBack() throws Exception {
        Files.writeString(Files.createDirectories(workDir.resolve("deploy")).resolve("heap.secure.cfg"),
                "protected.range.base=0x100000000\ncapacity.bytes=16777216\n");
        Path out = workDir.resolve("out.txt");
        Path err = workDir.resolve("err.txt");
        Process process = new ProcessBuilder(javaCommand()).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        String ready = "heap secure: protected range of 16777216 bytes at 0x100000000 (configured) ready";
        try (var stdin = process.getOutputStream()) {
            send(stdin, "heap:alloc 1M --secure");
            send(stdin, "update 1 " + builtJar("heap.api").toUri()); // bundle 1 is heap.api, by platform.bndrun's order
            send(stdin, "refresh");
            awaitOutput(err, 2, ready);
            awaitOutput(err, 2, ") registered: inaccessible "); // the secure heap's line, in the registry again
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (Files.readString(out).split("phys 0x100000000", -1).length < 3) { // the shell may still be starting
                assertTrue(System.nanoTime() < deadline, Files.readString(out) + Files.readString(err));
                send(stdin, "heap:alloc 1M --secure");
                Thread.sleep(500);
            }
        }
        awaitExit(process);
        String output = Files.readString(out);
        String log = Files.readString(err);
        assertTrue(output.contains("refreshing heap.api [1]; restarting with it what is wired to it: "), output + log);
        assertTrue(output.contains("heap.secure [6]") && output.contains("heap.registry [5]"), output);
        assertEquals(2, output.split("phys 0x100000000", -1).length - 1, "a buffer at the configured base, before "
                + "and after (the first went back as the shell restarted):\n" + output + log);
        assertFalse(log.contains("NumberFormatException") || log.contains("NullPointerException"), log);
        // R1: collection ids and koids are unique for the run, as sysmem's per boot: the new heap.api and registry go
        // on where the old ones stopped (they started again from collection 1 and koid 1003).
        for (String number : List.of("collection (\\d+):", "koid (\\d+)")) {
            List<Long> seen = Pattern.compile(number).matcher(output).results()
                    .map(result -> Long.parseLong(result.group(1))).toList();
            assertTrue(seen.size() >= 2 && seen.equals(seen.stream().sorted().distinct().toList()),
                    number + " in increasing order, none twice: " + seen + "\n" + output);
        }
    }

    /** A heap whose component fails to activate is listed as failed with the real cause, logged once by that cause. */
    @Test
    void aHeapThatFailsToActivateIsListedAsFailedWithItsCause() throws Exception {
        Path out = workDir.resolve("out.txt");
        Path err = workDir.resolve("err.txt");
        Files.createDirectories(workDir.resolve("deploy"));
        Files.writeString(workDir.resolve("deploy").resolve("heap.example.cfg"), "capacity.bytes=-5\n");
        Process process = new ProcessBuilder(javaCommand()).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try (var stdin = process.getOutputStream()) {
            Files.copy(EXAMPLE, workDir.resolve("deploy").resolve("heap.example.jar"));
            Pattern failed = Pattern.compile("example\\.heap\\.BOUNDED +0 failed .*capacity\\.bytes -5 is not a positive "
                    + "multiple of 4096");
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!failed.matcher(Files.readString(out)).find()) {
                assertTrue(System.nanoTime() < deadline, "no failed row in\n" + Files.readString(out));
                send(stdin, "heap:list");
                Thread.sleep(300);
            }
        }
        awaitExit(process);
        String log = Files.readString(err);
        assertTrue(log.contains("IllegalArgumentException: capacity.bytes -5 is not a positive multiple of 4096"), log);
        assertFalse(log.contains("InvocationTargetException: null"), log);
    }

    @Test
    void aHeapBundleCopiedIntoDeployBecomesRoutableWithinTwoSecondsAndRemovingItDrainsItAndANonBundleIsNamed() throws Exception {
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

            // Written beside deploy/ and moved in whole: FileInstall polls, and a jar it sees half-written it would
            // install and then update, a second instance the rest of this test does not expect.
            Path staged = Files.copy(EXAMPLE, workDir.resolve("heap.example.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, deployed, StandardCopyOption.ATOMIC_MOVE);
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
            awaitOutput(workDir.resolve("err.txt"), 1, "INFO [example.heap] example heap:"); // a third party's log

            // A copy that is no jar at all: FileInstall left it alone without a word; now one warning names it.
            Files.writeString(workDir.resolve("deploy").resolve("half-copied.jar"), "PK not really");
            awaitOutput(workDir.resolve("err.txt"), 1,
                    "WARN [heap.shell] deploy/half-copied.jar is not a jar (zip END header not found): nothing installs it");

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

    /**
     * The console outlives an update of its own bundle: the old revision's thread still reads the input, and its end
     * still stops the platform cleanly (it hung: the old revision could not load a class it had not used yet).
     */
    @Test
    void afterAnUpdateOfTheShellEndOfInputStillStopsThePlatformCleanly() throws Exception {
        Path jar = builtJar("heap.shell");
        Run run = run("""
                update 7 %s
                heap:list
                """.formatted(jar.toUri())); // bundle 7 is heap.shell, by platform.bndrun's order
        assertTrue(run.out().contains("fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM"), run.out() + run.err());
        assertTrue(Pattern.compile("heap contiguous: pool of \\d+ bytes released").matcher(run.err()).find(),
                "the framework stopped at end of input:\n" + run.err());
        assertEquals(0, run.exitCode(), run.err());
    }

    /**
     * A service manager's stop: SIGTERM to ./platform reaches java, which stops the framework as at end of input
     * (heaps give their memory back, logged), exits 143 as a process killed by SIGTERM would, and leaves no java
     * process and no temporary files behind. SIGTERM goes to java and to the script at once, as a service manager
     * stopping a control group sends it: the script passes its copy on, and the second changes nothing.
     */
    @Test
    void sigtermToThePlatformScriptStopsTheFrameworkCleanlyAndExits143() throws Exception {
        stopsCleanlyOn("TERM", true, 143);
    }

    /** The terminal going away (SIGHUP, to the script alone) stops it the same way, with status 129. */
    @Test
    void sighupToThePlatformScriptStopsTheFrameworkCleanlyAndExits129() throws Exception {
        stopsCleanlyOn("HUP", false, 129);
    }

    private void stopsCleanlyOn(String signal, boolean toJavaToo, int status) throws Exception {
        Path out = workDir.resolve("signal-out.txt");
        Path err = workDir.resolve("signal-err.txt");
        Path tmp = Files.createDirectories(workDir.resolve("signal-tmp"));
        ProcessBuilder builder = platformScript(out, err);
        builder.environment().put("TMPDIR", tmp.toString());
        Process platform = builder.start();
        List<ProcessHandle> java;
        try (var stdin = platform.getOutputStream()) { // open until the end: no end of input
            send(stdin, "heap:alloc 64k");
            awaitOutput(out, 1, "collection 1:");
            java = platform.descendants().filter(child -> child.info().command().orElse("").endsWith("java")).toList();
            assertEquals(1, java.size(), "one java under the script");
            signal(signal, platform.pid(), toJavaToo ? java.get(0).pid() : platform.pid());
            awaitExit(platform);
        }
        String log = Files.readString(err);
        assertEquals(status, platform.exitValue(), log);
        assertTrue(log.contains("INFO [heap.shell] SIG" + signal + ": stopping the platform (exit status " + status + ")"), log);
        assertTrue(Pattern.compile("INFO \\[heap\\.contiguous\\] heap contiguous: pool of \\d+ bytes released").matcher(log).find(),
                "the heaps stopped and gave their memory back:\n" + log);
        assertFalse(java.get(0).isAlive(), "java ended with the script");
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the run's unpacked launcher and framework cache are gone");
        }
    }

    /**
     * A SIGTERM as the platform starts (a service manager's restart right after a start) used to end the JVM under
     * the starting framework: the launcher's stack trace, and no bundle stopped. It is held until the platform is up,
     * then stops it cleanly.
     */
    @Test
    void aSigtermAsThePlatformStartsIsHeldUntilItIsUpThenStopsItCleanly() throws Exception {
        Path err = workDir.resolve("early-err.txt");
        Process platform = platformScript(workDir.resolve("early-out.txt"), err, "--serve").start();
        awaitOutput(err, 1, " INFO ["); // the first line of a bundle: java runs, and its agent with it
        List<ProcessHandle> java = platform.descendants()
                .filter(child -> child.info().command().orElse("").endsWith("java")).toList();
        signal("TERM", java.stream().mapToLong(ProcessHandle::pid).toArray()); // as systemd signals the whole group
        signal("TERM", platform.pid());
        awaitExit(platform);
        String log = Files.readString(err);
        assertEquals(143, platform.exitValue(), log);
        assertTrue(log.contains("INFO [heap.shell] SIGTERM (it came as the platform started): stopping the platform "
                + "(exit status 143)"), log);
        assertTrue(Pattern.compile("heap contiguous: pool of \\d+ bytes released").matcher(log).find(), log);
        assertFalse(log.contains("\tat "), "no stack trace: " + log);
    }

    /**
     * Run as a service (stdin at /dev/null: systemd's default, `docker run` without -i), the platform does not stop
     * at the end of that empty input: it serves without a console, over HTTP, until SIGTERM stops it cleanly.
     */
    @Test
    void withStdinAtDevNullThePlatformServesWithoutAConsoleUntilSigterm() throws Exception {
        String log = servesUntilSigterm(List.of(), ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        assertTrue(log.contains("INFO [heap.shell] stdin is /dev/null: serving without a console until SIGTERM "
                + "(as ./platform --serve, heap.console=serve)"), log);
    }

    /** {@code --serve} ignores stdin: its end (a closed pipe here) stops nothing. */
    @Test
    void withServeThePlatformIgnoresTheEndOfInputAndServesUntilSigterm() throws Exception {
        String log = servesUntilSigterm(List.of("--serve"), ProcessBuilder.Redirect.PIPE);
        assertFalse(log.contains("stdin is /dev/null"), log);
    }

    /** GET {@code path} from the platform's HTTP port, with {@code authorization} as that header (null: none). */
    private static java.net.http.HttpResponse<String> httpGet(String port, String path, String authorization)
            throws IOException, InterruptedException {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Starts ./platform with {@code args}; checks /metrics, /health and Status → Heaps, and that it still runs after
     * its input ended; stops it.
     */
    private String servesUntilSigterm(List<String> args, ProcessBuilder.Redirect stdin) throws Exception {
        Path err = workDir.resolve("serve-err.txt");
        Process platform = platformScript(workDir.resolve("serve-out.txt"), err, args.toArray(String[]::new))
                .redirectInput(stdin).start();
        platform.getOutputStream().close(); // a pipe's end, for the PIPE case
        awaitOutput(err, 1, "INFO [heap.shell] serving without a console");
        String served = Files.readString(err);
        Matcher port = WebConsoleInBrowserTest.JETTY_PORT.matcher(served);
        assertTrue(port.find(), served);
        var metrics = httpGet(port.group(1), "/metrics", null);
        assertTrue(metrics.body().contains("heap_up{heap=\"fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM\""), metrics.body());
        var health = httpGet(port.group(1), "/health", null);
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().startsWith("{\"status\":\"OK\",\"checks\":[{\"name\":"), "a probe's answer: " + health.body());
        Matcher password = WebConsoleInBrowserTest.PASSWORD.matcher(served);
        assertTrue(password.find(), served);
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + password.group(1))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String format : List.of("txt", "json")) { // the Web Console's Status -> Heaps, as a support zip has it
            var status = httpGet(port.group(1), "/system/console/status-heaps." + format, basic);
            assertEquals(200, status.statusCode(), status.body());
            assertTrue(status.body().contains(format.equals("txt") ? "HEAPS\nHEAP " : "\"heaps\":[{\"heap_type\":"),
                    status.body());
            assertTrue(status.body().contains("fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM"), status.body());
        }
        Thread.sleep(1000);
        assertTrue(platform.isAlive(), "still serving:\n" + Files.readString(err));
        signal("TERM", platform.pid());
        awaitExit(platform);
        String log = Files.readString(err);
        assertEquals(143, platform.exitValue(), log);
        assertTrue(Pattern.compile("heap contiguous: pool of \\d+ bytes released").matcher(log).find(), log);
        return log;
    }

    /**
     * A platform run as a service takes command lines from {@code ./platform --attach} (piped, or a script), output
     * on the client's stdout and errors on its stderr as at the console; collections stay held by the shell between
     * clients; the socket goes with the platform, and an attach then says no platform answers.
     */
    @Test
    void aServingPlatformRunsTheCommandsOfAttachedClientsAndItsSocketGoesWithIt() throws Exception {
        Path err = workDir.resolve("serve-err.txt");
        Process platform = platformScript(workDir.resolve("serve-out.txt"), err, "--serve").start();
        awaitOutput(err, 1, "INFO [heap.shell] serving without a console");
        Path socket = workDir.resolve(".heap-console.sock");
        assertTrue(Files.readString(err).contains("INFO [heap.shell] commands from other processes: ./platform --attach "
                + "connects to " + socket), Files.readString(err));
        assertTrue(Files.readString(err).contains("serving without a console: the Web Console, /metrics and JMX show the "
                + "platform, ./platform --attach runs commands in it; SIGTERM stops it"), Files.readString(err));

        Path out = workDir.resolve("attach-out.txt");
        Path attachErr = workDir.resolve("attach-err.txt");
        Process piped = platformScript(out, attachErr, "--attach").start();
        try (var stdin = piped.getOutputStream()) {
            send(stdin, "heap:alloc 64k");
            send(stdin, "heap:free 99");
            send(stdin, "heap:collections --json");
        }
        awaitExit(piped);
        assertEquals(1, piped.exitValue(), "a line failed: " + Files.readString(attachErr));
        assertTrue(Files.readString(out).startsWith("collection 1: 1 x 64.0 KiB on fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM#0"),
                Files.readString(out));
        assertTrue(Files.readString(out).contains("\"held_by_shell\":true"), Files.readString(out));
        assertTrue(Files.readString(attachErr).startsWith("error: NOT_FOUND: no collection 99"), Files.readString(attachErr));

        Path script = Files.writeString(workDir.resolve("free.txt"), "heap:free 1\n");
        Process fromScript = platformScript(out, attachErr, "--attach", script.toString()).start();
        awaitExit(fromScript);
        assertEquals(0, fromScript.exitValue(), Files.readString(attachErr));
        assertEquals("freed collection 1\n", Files.readString(out), "the collection the first client left");

        signal("TERM", platform.pid());
        awaitExit(platform);
        String log = Files.readString(err);
        assertTrue(log.contains("INFO [heap.shell] console 1 detached: 3 commands, 1 failed"), log);
        assertFalse(Files.exists(socket), "removed as the platform stopped");
        Process late = platformScript(out, attachErr, "--attach").start();
        late.getOutputStream().close();
        awaitExit(late);
        assertEquals(2, late.exitValue());
        assertTrue(Files.readString(attachErr).startsWith("error: no platform answers at " + socket), Files.readString(attachErr));
    }

    /**
     * At a terminal, {@code ./platform --attach} prompts as the console does, Ctrl-C at the prompt drops the line
     * (and does not end the client), Ctrl-C while a command waits interrupts it there, and exit leaves with status 0.
     */
    @Test
    void atATerminalAttachPromptsCtrlCInterruptsAWaitingCommandAndExitLeavesTheServingPlatformRunning() throws Exception {
        Path err = workDir.resolve("serve-err.txt");
        waitingLong();
        Process platform = platformScript(workDir.resolve("serve-out.txt"), err, "--serve").start();
        awaitOutput(err, 1, "INFO [heap.shell] serving without a console");
        Path out = workDir.resolve("tty.txt");
        Process attached = atATerminal("exec bash '" + SCRIPT + "' --attach", out);
        try (var stdin = attached.getOutputStream()) {
            awaitOutput(out, 1, "heap> ");
            stdin.write(new byte[] {3}); // Ctrl-C at the prompt: the line dropped, as at the console, still attached
            stdin.flush();
            awaitOutput(out, 2, "heap> ");
            interruptAWaitingAllocation(stdin, out, 2);
            send(stdin, "exit");
            awaitExit(attached);
        }
        assertEquals(0, attached.exitValue(), Files.readString(out));
        assertTrue(platform.isAlive(), "exit leaves the attached session, not the platform");
        signal("TERM", platform.pid());
        awaitExit(platform);
        assertTrue(Files.readString(err).contains("INFO [heap.shell] console 1 attached (interactive)"), Files.readString(err));
    }

    /**
     * Ctrl-C while a command waits interrupts the command itself. Gogo runs each command in a thread of its own, and
     * the console used to interrupt only its own thread: it said the line failed while the allocation waited on.
     */
    @Test
    void atATerminalCtrlCInterruptsAWaitingAllocationWhichGivesUp() throws Exception {
        waitingLong();
        Path out = workDir.resolve("tty.txt");
        Process console = atATerminal("exec bash '" + SCRIPT + "'", out);
        try (var stdin = console.getOutputStream()) {
            awaitOutput(out, 1, "heap> ");
            interruptAWaitingAllocation(stdin, out, 1);
            send(stdin, "exit");
            awaitExit(console);
        }
        assertEquals(0, console.exitValue(), Files.readString(out));
    }

    /** An allocation that no heap fits waits 60 s for one to register (replacement.grace.ms), not 2. */
    private void waitingLong() throws IOException {
        Files.writeString(Files.createDirectories(workDir.resolve("deploy")).resolve("heap.registry.cfg"),
                "replacement.grace.ms=60000\n");
    }

    /**
     * With the secure heap stopped, a secure allocation waits for one to come back; Ctrl-C must end it, there and
     * then, and it must not allocate later (once the heap is back) for no one.
     */
    private static void interruptAWaitingAllocation(java.io.OutputStream stdin, Path out, int promptsBefore) throws Exception {
        send(stdin, "stop 6");
        awaitOutput(out, promptsBefore + 1, "heap> ");
        send(stdin, "heap:alloc 4k --secure");
        Thread.sleep(1000); // waiting for a secure heap
        long pressed = System.nanoTime();
        stdin.write(new byte[] {3});
        stdin.flush();
        awaitOutput(out, 1, "error: interrupted");
        assertTrue(System.nanoTime() - pressed < 10_000_000_000L, "within seconds, not the 60 s wait");
        send(stdin, "start 6");
        awaitOutput(out, promptsBefore + 3, "heap> ");
        Thread.sleep(1000);
        send(stdin, "heap:collections --json");
        awaitOutput(out, 1, "heap:collections --json\r\n[]"); // the pty's echo, then no collection at all
    }

    /** {@code command} at a terminal (a pty from util-linux's script), its output and echo in {@code out}. */
    private Process atATerminal(String command, Path out) throws IOException {
        Path script = Path.of("/usr/bin/script");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script),
                "util-linux's script is not installed: no pty to test the terminal console with");
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "-qfec", command, "/dev/null")
                .directory(workDir.toFile()).redirectOutput(out.toFile()).redirectErrorStream(true);
        builder.environment().put("SHELL", "/bin/sh");
        builder.environment().put("DEPLOY_DIR", Files.createDirectories(workDir.resolve("deploy")).toString());
        return builder.start();
    }

    /**
     * A new build of a heap the platform runs, copied into deploy/, is a hot swap: it installs beside the built-in
     * one and takes new buffers while the built-in drains; removed again, the built-in (still installed) serves.
     */
    @Test
    void aNewBuildOfABuiltInHeapCopiedIntoDeployTakesNewBuffersWhileTheBuiltInDrainsAndRemovingItHandsBack() throws Exception {
        Path deployed = Files.createDirectories(workDir.resolve("deploy")).resolve("heap.secure.jar");
        Path staged = withBundleVersion(JAR, "jar/heap.secure-1.0.0-SNAPSHOT.jar", "1.0.0.zz-newer",
                workDir.resolve("heap.secure.jar"));
        Path out = workDir.resolve("out.txt");
        Process process = new ProcessBuilder(javaCommand()).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(workDir.resolve("err.txt").toFile()).start();
        Pattern builtInActive = Pattern.compile("HEAP_TYPE\\.SECURE +0 active +heap\\.secure 1\\.0\\.0\\.\\d+ ");
        try (var stdin = process.getOutputStream()) {
            send(stdin, "heap:alloc 4k --secure");
            awaitOutput(out, 1, "collection 1:");
            Files.move(staged, deployed, StandardCopyOption.ATOMIC_MOVE); // whole: FileInstall polls
            int listings = awaitListing(stdin, out, 0, Pattern.compile(
                    "SECURE +0 draining +heap\\.secure 1\\.0\\.0\\.\\d+ .* 1 +4\\.0 KiB.*replaced by a newer instance"));
            String swapped = lastListing(out);
            assertTrue(Pattern.compile("SECURE +0 active +heap\\.secure 1\\.0\\.0\\.zz-newer .* 0 +0 B").matcher(swapped).find(),
                    "the new build is active beside the draining built-in, which keeps its buffer\n" + swapped);

            send(stdin, "heap:alloc 4k --secure --json");
            awaitOutput(out, 1, "{\"collection\":");
            Matcher second = Pattern.compile("\\{\"collection\":(\\d+)").matcher(Files.readString(out));
            assertTrue(second.find());
            listings = awaitListing(stdin, out, listings,
                    Pattern.compile("SECURE +0 active +heap\\.secure 1\\.0\\.0\\.zz-newer .* 1 +4\\.0 KiB"));

            Files.delete(deployed);
            awaitListing(stdin, out, listings, builtInActive);
            send(stdin, "heap:free " + second.group(1)); // the new build's buffer: its heap drains and leaves
            send(stdin, "heap:alloc 4k --secure");
            send(stdin, "heap:list");
        }
        awaitExit(process);
        String last = lastListing(out);
        assertFalse(last.contains("zz-newer"), "the new build left once its jar was removed and its buffer freed\n" + last);
        assertTrue(Pattern.compile(builtInActive.pattern() + ".* 2 +8\\.0 KiB").matcher(last).find(),
                "the built-in serves again: its first buffer and the one allocated after the removal\n" + last);
        assertEquals(0, process.exitValue());
    }

    /** Lists the heaps until a listing matches {@code expected}; returns how many listings were asked for. */
    private static int awaitListing(java.io.OutputStream stdin, Path out, int listings, Pattern expected) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        do {
            assertTrue(System.nanoTime() < deadline, "no heap:list matched " + expected + "\n" + Files.readString(out));
            send(stdin, "heap:list");
            awaitOutput(out, ++listings, "HEAP ");
            Thread.sleep(100);
        } while (!expected.matcher(lastListing(out)).find());
        return listings;
    }

    private static String lastListing(Path out) throws IOException {
        String output = Files.readString(out);
        return output.substring(output.lastIndexOf("HEAP "));
    }

    /** The bundle at {@code entry} of {@code platformJar}, as a build stamped with {@code version} would make it. */
    private static Path withBundleVersion(Path platformJar, String entry, String version, Path to) throws IOException {
        try (var platform = new java.util.jar.JarFile(platformJar.toFile());
                var bundle = new java.util.jar.JarInputStream(platform.getInputStream(platform.getJarEntry(entry)))) {
            java.util.jar.Manifest manifest = bundle.getManifest();
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (var copy = new java.util.jar.JarOutputStream(Files.newOutputStream(to), manifest)) {
                for (var next = bundle.getNextJarEntry(); next != null; next = bundle.getNextJarEntry()) {
                    copy.putNextEntry(new java.util.jar.JarEntry(next.getName()));
                    bundle.transferTo(copy);
                }
            }
        }
        return to;
    }

    /** ./platform with {@code args}, run in the test's directory with its deploy/ there, writing to out and err. */
    private ProcessBuilder platformScript(Path out, Path err, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("DEPLOY_DIR", Files.createDirectories(workDir.resolve("deploy")).toString());
        return builder;
    }

    /** Sends SIG{@code name} to each process, with bash's own kill (a machine need not have procps's). */
    private static void signal(String name, long... pids) throws Exception {
        String targets = String.join(" ", java.util.Arrays.stream(pids).distinct().mapToObj(Long::toString).toList());
        assertEquals(0, new ProcessBuilder("bash", "-c", "kill -s " + name + " " + targets).inheritIO().start().waitFor());
    }

    /** The bundle jar the build made in module {@code module}'s target/. */
    private static Path builtJar(String module) throws IOException {
        try (var built = Files.list(Path.of("..", module, "target"))) {
            return built.filter(file -> file.getFileName().toString().matches(Pattern.quote(module) + "-.*(?<!-sources)\\.jar"))
                    .findFirst().orElseThrow().toAbsolutePath();
        }
    }

    private static void awaitExit(Process process) throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the platform did not exit at end of input within 60 s");
        }
    }

    /** As a user runs the jar, with the temporary files (the unpacked launcher, Felix's cache) in the test's own directory. */
    private List<String> javaCommand() throws IOException {
        Path scratch = Files.createDirectories(workDir.resolve("tmp"));
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseCompactObjectHeaders",
                "-Djava.io.tmpdir=" + scratch, "-Dfelix.fileinstall.dir=deploy", "-jar", JAR.toAbsolutePath().toString());
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
