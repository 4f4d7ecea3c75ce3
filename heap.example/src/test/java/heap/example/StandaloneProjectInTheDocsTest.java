package heap.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/heaps.md's "In a project of your own", done as a heap author would: its pom.xml, with the example's source and
 * conformance test, outside this repository, built by {@code mvn package}. It must give a bundle named after the
 * artifactId, with the heap's component, and run the kit's checks. (The page's project had only been tried by hand.)
 */
class StandaloneProjectInTheDocsTest {
    private static final Path DOCS = Path.of("..", "docs", "heaps.md");
    private static final String VERSION = System.getProperty("project.version", "1.0.0-SNAPSHOT");

    @TempDir
    Path project;

    @Test
    void thePagesPomBuildsTheExampleIntoABundleNamedAfterItAndRunsTheKitsChecks() throws Exception {
        Files.writeString(project.resolve("pom.xml"), pomOnThePage());
        copy("src/main/java/heap/example/ExampleHeap.java");
        copy("src/test/java/heap/example/ExampleHeapConformanceTest.java");
        Path repository = Path.of(System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));
        // The page's first step, ./build install -DskipTests: this build's heap.api and heap.tck, and their parent pom
        publish(repository, "heap.platform", Path.of("..", "pom.xml"), null);
        publish(repository, "heap.api", Path.of("..", "heap.api", "pom.xml"), builtJar("heap.api"));
        publish(repository, "heap.tck", Path.of("..", "heap.tck", "pom.xml"), builtJar("heap.tck"));

        Path log = project.resolve("maven.log");
        // Online as a heap author's build is (the page's dependencies pull versions this build does not: DS
        // annotations 1.5.1 bring org.osgi.util.function 1.0.0), offline when this build is
        List<String> command = new java.util.ArrayList<>(List.of(maven(), "-B", "package", "-Dmaven.repo.local=" + repository));
        if (offline()) {
            command.add("-o");
        }
        ProcessBuilder build = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        build.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process maven = build.start();
        if (!maven.waitFor(5, TimeUnit.MINUTES)) {
            maven.destroyForcibly();
            throw new AssertionError("mvn package took over 5 minutes:\n" + tail(log));
        }
        assertEquals(0, maven.exitValue(), "mvn package failed:\n" + tail(log));

        try (JarFile bundle = new JarFile(project.resolve("target/com.acme.heap-1.0.0-SNAPSHOT.jar").toFile())) {
            var manifest = bundle.getManifest().getMainAttributes();
            assertEquals("com.acme.heap", manifest.getValue("Bundle-SymbolicName"));
            assertTrue(manifest.getValue("Import-Package").contains("heap.api;version=\"[1."), manifest.getValue("Import-Package"));
            assertTrue(manifest.getValue("Service-Component").contains("heap.example.ExampleHeap"),
                    "the heap's DS component: " + manifest.getValue("Service-Component"));
        }
        String report = Files.readString(project.resolve("target/surefire-reports/TEST-heap.example.ExampleHeapConformanceTest.xml"));
        Matcher counts = Pattern.compile("tests=\"(\\d+)\" errors=\"(\\d+)\" skipped=\"(\\d+)\" failures=\"(\\d+)\"").matcher(report);
        assertTrue(counts.find(), report);
        assertEquals("12 0 0 0", counts.group(1) + " " + counts.group(2) + " " + counts.group(3) + " " + counts.group(4),
                "the kit's 12 checks, as the page says, all passed");
    }

    private static String pomOnThePage() throws IOException {
        String page = Files.readString(DOCS);
        int section = page.indexOf("**In a project of your own**");
        assertTrue(section >= 0, DOCS + " has no 'In a project of your own'");
        Matcher block = Pattern.compile("(?s)```xml\n(.*?)```").matcher(page);
        assertTrue(block.find(section), DOCS + " shows no pom.xml after 'In a project of your own'");
        return block.group(1);
    }

    private void copy(String source) throws IOException {
        Path target = project.resolve(source);
        Files.createDirectories(target.getParent());
        Files.copy(Path.of(source), target);
    }

    /** Puts a pom (and its jar) where Maven's local repository keeps heap.platform's artifacts, as install does. */
    private static void publish(Path repository, String artifactId, Path pom, Path jar) throws IOException {
        Path directory = Files.createDirectories(repository.resolve(Path.of("heap", "platform", artifactId, VERSION)));
        Files.copy(pom, directory.resolve(artifactId + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, directory.resolve(artifactId + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path builtJar(String module) {
        Path jar = Path.of("..", module, "target", module + "-" + VERSION + ".jar");
        assertTrue(Files.isRegularFile(jar), jar + " is not built (this test runs after heap.api and heap.tck are packaged)");
        return jar;
    }

    /** Whether this build runs offline: Maven's launcher exports its command line to the processes it starts. */
    private static boolean offline() {
        String arguments = System.getenv().getOrDefault("MAVEN_CMD_LINE_ARGS", "");
        return List.of(arguments.strip().split("\\s+")).stream().anyMatch(argument -> argument.equals("-o")
                || argument.equals("--offline"));
    }

    /** The Maven running this build (maven.home), else mvn on the PATH. */
    private static String maven() {
        String home = System.getProperty("maven.home");
        return home != null && Files.isExecutable(Path.of(home, "bin", "mvn")) ? Path.of(home, "bin", "mvn").toString() : "mvn";
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
