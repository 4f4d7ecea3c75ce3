package heap.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/heaps.md shows the example's whole source and its conformance test: they are these files, word for word (the
 * page had drifted from the source once, missing the capacity check the constructor gained).
 */
class ExampleSourceInTheDocsTest {
    private static final Path DOCS = Path.of("..", "docs", "heaps.md");

    @Test
    void theDocsShowTheExampleHeapAndItsConformanceTestAsTheyAre() throws IOException {
        List<String> blocks = javaBlocks(Files.readString(DOCS));
        assertEquals(source("src/main/java/heap/example/ExampleHeap.java"), block(blocks, "public class ExampleHeap "));
        assertEquals(source("src/test/java/heap/example/ExampleHeapConformanceTest.java"),
                block(blocks, "class ExampleHeapConformanceTest "));
    }

    private static List<String> javaBlocks(String markdown) {
        Matcher blocks = Pattern.compile("(?s)```java\n(.*?)```").matcher(markdown);
        return blocks.results().map(block -> block.group(1)).toList();
    }

    private static String block(List<String> blocks, String declaring) {
        return blocks.stream().filter(block -> block.contains(declaring)).findFirst()
                .orElseThrow(() -> new AssertionError(DOCS + " shows no block declaring " + declaring));
    }

    private static String source(String path) throws IOException {
        return Files.readString(Path.of(path));
    }
}
