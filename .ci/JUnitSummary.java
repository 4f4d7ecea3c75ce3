import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Totals every JUnit XML report the build wrote (surefire and the in-framework tester) and prints
 * "N passed, N failed, N skipped", after a line for each test that failed (class, method, the first
 * line of its message) so a CI log cut to its tail still names them. Exit 1 when a test failed or none ran.
 */
public class JUnitSummary {
    private static final Pattern SUITE = Pattern.compile("<testsuite\\b([^>]*)>");
    private static final Pattern FAILED_CASE = Pattern.compile(
            "<testcase\\b([^>]*[^/])>\\s*<(failure|error)\\b([^>]*)>", Pattern.DOTALL);

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        List<Path> reports;
        try (Stream<Path> files = Files.walk(root)) {
            reports = files.filter(JUnitSummary::isReport).sorted().toList();
        }
        long tests = 0, failed = 0, skipped = 0;
        List<String> failures = new ArrayList<>();
        for (Path report : reports) {
            String text = Files.readString(report);
            Matcher failedCase = FAILED_CASE.matcher(text);
            while (failedCase.find()) {
                failures.add(failedCase.group(2).toUpperCase() + " " + textOf(failedCase.group(1), "classname") + "#"
                        + textOf(failedCase.group(1), "name") + ": " + firstLine(textOf(failedCase.group(3), "message"))
                        + " (" + root.relativize(report) + ")");
            }
            Matcher suite = SUITE.matcher(text);
            while (suite.find()) {
                String attributes = suite.group(1);
                tests += attribute(attributes, "tests");
                failed += attribute(attributes, "failures") + attribute(attributes, "errors");
                skipped += attribute(attributes, "skipped");
            }
        }
        failures.forEach(System.out::println);
        System.out.println("(" + reports.size() + " JUnit reports)");
        System.out.println((tests - failed - skipped) + " passed, " + failed + " failed, " + skipped + " skipped");
        System.exit(failed > 0 || tests == 0 ? 1 : 0);
    }

    /** Surefire's target/surefire-reports/TEST-*.xml and the tester's target/test-reports/<bndrun>/TEST-*.xml. */
    private static boolean isReport(Path path) {
        String name = path.getFileName().toString();
        if (!name.startsWith("TEST-") || !name.endsWith(".xml")) {
            return false;
        }
        for (Path folder : path) {
            String part = folder.toString();
            if (part.equals("surefire-reports") || part.equals("test-reports")) {
                return true;
            }
        }
        return false;
    }

    private static String textOf(String attributes, String name) {
        Matcher value = Pattern.compile("\\b" + name + "=\"([^\"]*)\"").matcher(attributes);
        return value.find() ? value.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#10;", "\n").replace("&amp;", "&") : "";
    }

    private static String firstLine(String message) {
        String line = message.strip().lines().findFirst().orElse("(no message)");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    private static long attribute(String attributes, String name) {
        Matcher value = Pattern.compile("\\b" + name + "=\"(\\d+)\"").matcher(attributes);
        return value.find() ? Long.parseLong(value.group(1)) : 0;
    }
}
