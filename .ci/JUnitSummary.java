import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Totals every JUnit XML report the build wrote (surefire and the in-framework tester) and prints
 * "N passed, N failed, N skipped". Exit 1 when a test failed or none ran.
 */
public class JUnitSummary {
    private static final Pattern SUITE = Pattern.compile("<testsuite\\b([^>]*)>");

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        List<Path> reports;
        try (Stream<Path> files = Files.walk(root)) {
            reports = files.filter(JUnitSummary::isReport).sorted().toList();
        }
        long tests = 0, failed = 0, skipped = 0;
        for (Path report : reports) {
            Matcher suite = SUITE.matcher(Files.readString(report));
            while (suite.find()) {
                String attributes = suite.group(1);
                tests += attribute(attributes, "tests");
                failed += attribute(attributes, "failures") + attribute(attributes, "errors");
                skipped += attribute(attributes, "skipped");
            }
        }
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

    private static long attribute(String attributes, String name) {
        Matcher value = Pattern.compile("\\b" + name + "=\"(\\d+)\"").matcher(attributes);
        return value.find() ? Long.parseLong(value.group(1)) : 0;
    }
}
