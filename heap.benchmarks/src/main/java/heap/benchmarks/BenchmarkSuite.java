package heap.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs B1-B8 in one JMH invocation and writes {@code benchmarks.md} and {@code benchmarks.csv}: every row with its
 * ratio to the row it is compared with, and the JVM, machine and date. {@code --smoke}: one short iteration of each,
 * in-process, with small parameters, to prove the suite runs.
 */
public final class BenchmarkSuite {
    private record Row(String group, String name, String params, double score, double error, String unit,
            String comparedWith, double ratio, String target) {
    }

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        Path out = Path.of(argument(args, "--out", "heap.benchmarks/results"));
        Collection<RunResult> results = new ArrayList<>();
        if (smoke) {
            results.addAll(new Runner(options("heap\\.benchmarks\\.B\\d.*").forks(0).warmupIterations(0)
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(50)).param("liveBuffers", "1000")
                    .param("liveRegions", "100").build()).run());
        } else {
            // Two forks: one JVM's JIT and heap layout can put a row 2x off; the interval then covers both.
            results.addAll(new Runner(options("heap\\.benchmarks\\.B[1-46-9].*").forks(2).warmupIterations(3)
                    .warmupTime(TimeValue.seconds(1)).measurementIterations(4).measurementTime(TimeValue.seconds(1))
                    .build()).run());
            // B5 six forks of six: Netty's own two-thread row swings between 5 000 and 12 000 ops/ms from one fork
            // to the next (where two threads land on two cores), and the scaling target is a ratio over it; more
            // forks narrow that more than more iterations in each (four of eight left two runs 22% apart). Netty's
            // rows, the widest, get ten (six left two runs' ratios 17-20% apart on that row alone).
            results.addAll(new Runner(options("heap\\.benchmarks\\.B5.*").exclude("B5Threads\\.netty")
                    .forks(6).warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(6)
                    .measurementTime(TimeValue.seconds(1)).build()).run());
            results.addAll(new Runner(options("heap\\.benchmarks\\.B5Threads\\.netty.*").forks(10)
                    .warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(6)
                    .measurementTime(TimeValue.seconds(1)).build()).run());
        }
        List<Row> rows = rows(results);
        if (!smoke) {
            // B6 again in a JVM with the default 12-byte headers: what a framework run without the platform's
            // options keeps per buffer (its own rows, no target: the target is the platform's).
            Collection<RunResult> plainHeaders = new Runner(options("heap\\.benchmarks\\.B6.*")
                    .jvmArgsAppend(NATIVE_ACCESS, UNSAFE_ACCESS, "-XX:-UseCompactObjectHeaders").forks(1)
                    .warmupIterations(1).measurementIterations(2).build()).run();
            rows(plainHeaders).forEach(row -> rows.add(new Row(row.group(), row.name(),
                    row.params() + " headers=12 bytes", row.score(), row.error(), row.unit(), row.comparedWith(),
                    row.ratio(), "")));
            rows.sort(ROW_ORDER);
        }
        Files.createDirectories(out);
        String name = smoke ? "benchmarks-smoke" : "benchmarks";
        Files.writeString(out.resolve(name + ".md"), markdown(rows, smoke));
        Files.writeString(out.resolve(name + ".csv"), csv(rows));
        System.out.println("wrote " + out.resolve(name + ".md") + " and .csv (" + rows.size() + " rows)");
    }

    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    private static final String UNSAFE_ACCESS = "--sun-misc-unsafe-memory-access=allow";
    private static final Comparator<Row> ROW_ORDER = Comparator.comparing(row -> row.group() + row.name() + row.params());

    /** Benchmark JVMs run as ./platform runs the platform: compact object headers too. */
    private static ChainedOptionsBuilder options(String include) {
        return new OptionsBuilder().include(include).shouldFailOnError(true)
                .jvmArgsAppend(NATIVE_ACCESS, UNSAFE_ACCESS, "-XX:+UseCompactObjectHeaders");
    }

    private static List<Row> rows(Collection<RunResult> results) {
        Map<String, RunResult> byKey = new TreeMap<>();
        for (RunResult result : results) {
            byKey.put(key(result), result);
        }
        List<Row> rows = new ArrayList<>();
        for (RunResult result : results) {
            String benchmark = result.getParams().getBenchmark();
            String clazz = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1,
                    benchmark.lastIndexOf('.'));
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String params = params(result);
            Result<?> primary = result.getPrimaryResult();
            switch (clazz) {
                case "B1RoundTrip" -> {
                    // The contiguous heap asks for clearing (need_clear): its direct caller clears too.
                    String baseline = method.equals("registryContiguous") ? "directContiguousCleared"
                            : method.startsWith("registry") ? "direct" + method.substring("registry".length())
                            : method.startsWith("clientChild") ? "direct" + method.substring("clientChild".length())
                            : "registrySystemRam";
                    String target = switch (method) {
                        case "registrySystemRam", "registryContiguous", "registrySecure" -> "<= 1.3x direct";
                        case "arenaShared", "byteBufferDirect" -> "registry faster (ratio > 1)";
                        case "nettyPooledZeroed" -> "registry within 2x (ratio >= 0.5)";
                        default -> "";
                    };
                    rows.add(compared("B1 round trip", clazz, method, params, primary, baseline, byKey, result, target));
                }
                case "B8Negotiation" -> rows.add(compared("B8 negotiation", clazz, method, params, primary, "oneCall",
                        byKey, result, ""));
                case "B2Large" -> rows.add(compared("B2 large", clazz, method, params, primary, "segmentFill", byKey, result,
                        method.equals("segmentFill") ? "" : "<= 1.1x fill"));
                case "B3AllocatorScaling" -> rows.add(compared("B3 allocator scaling", clazz, method, params, primary,
                        "allocateAndFree", byKey.get("B3AllocatorScaling.allocateAndFree liveRegions=100"), result,
                        "100,000 / 100 <= 2x"));
                case "B5Threads" -> rows.add(compared("B5 threads", clazz, method, params, primary,
                        method.startsWith("netty") ? "nettyOneThread"
                                : method.startsWith("allocating") ? "allocatingOneThread" : "oneThread", byKey, result,
                        switch (method) {
                            case "twoThreads" -> ">= 1.6x";
                            case "nettyTwoThreads" -> "(baseline)";
                            case "allocatingTwoThreads" -> "(what allocating 1 KiB per op gets here)";
                            default -> "";
                        }));
                case "B4Fragmentation", "B6Footprint", "B7Reclaim" -> result.getSecondaryResults().forEach((label, secondary) ->
                        rows.add(new Row(clazz.startsWith("B4") ? "B4 fragmentation" : clazz.startsWith("B6")
                                ? "B6 footprint" : "B7 reclaim", label, params,
                                // EVENTS counters are summed over iterations: report the mean of one run.
                                secondary.getStatistics().getMean(), Double.NaN, "", "", Double.NaN,
                                label.equals("javaHeapBytesPerBuffer") ? "<= 256 bytes" : "")));
                default -> { }
            }
        }
        scalingAgainstNetty(byKey).ifPresent(rows::add);
        rows.sort(ROW_ORDER);
        return rows;
    }

    /** B5's registry 2-thread/1-thread ratio over Netty's: how the registry scales next to a good pool. */
    private static java.util.Optional<Row> scalingAgainstNetty(Map<String, RunResult> byKey) {
        List<RunResult> four = List.of("oneThread", "twoThreads", "nettyOneThread", "nettyTwoThreads").stream()
                .map(method -> byKey.get("B5Threads." + method)).toList();
        if (four.contains(null)) {
            return java.util.Optional.empty();
        }
        double registry = score(four.get(1)) / score(four.get(0));
        double netty = score(four.get(3)) / score(four.get(2));
        return java.util.Optional.of(new Row("B5 threads", "scaling vs Netty", "", registry / netty, Double.NaN,
                "registry ratio / Netty ratio", "nettyTwoThreads / nettyOneThread", registry / netty, ">= 0.9x"));
    }

    private static double score(RunResult result) {
        return result.getPrimaryResult().getScore();
    }

    private static Row compared(String group, String clazz, String method, String params, Result<?> primary,
            String baselineMethod, Map<String, RunResult> byKey, RunResult result, String target) {
        RunResult baseline = byKey.get(clazz + "." + baselineMethod + (params.isEmpty() ? "" : " " + params));
        return compared(group, clazz, method, params, primary, baselineMethod, baseline, result, target);
    }

    private static Row compared(String group, String clazz, String method, String params, Result<?> primary,
            String baselineMethod, RunResult baseline, RunResult result, String target) {
        double ratio = Double.NaN;
        if (baseline != null) {
            double base = baseline.getPrimaryResult().getScore();
            // Time per operation: ratio = this / baseline. Throughput: ratio = this / baseline too (higher is better).
            ratio = primary.getScore() / base;
        }
        return new Row(group, method, params, primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                baselineMethod + (clazz.equals("B3AllocatorScaling") ? " liveRegions=100" : ""), ratio, target);
    }

    private static String key(RunResult result) {
        String benchmark = result.getParams().getBenchmark();
        String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        String params = params(result);
        return shortName + (params.isEmpty() ? "" : " " + params);
    }

    private static String params(RunResult result) {
        List<String> parts = new ArrayList<>();
        for (String key : result.getParams().getParamsKeys()) {
            parts.add(key + "=" + result.getParams().getParam(key));
        }
        return String.join(" ", parts);
    }

    private static String markdown(List<Row> rows, boolean smoke) {
        StringBuilder out = new StringBuilder();
        out.append(smoke ? "Smoke run (one short iteration each, in-process): numbers are not measurements.\n\n" : "");
        out.append("JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version())
                .append(" (").append(System.getProperty("java.vendor")).append(")  \n");
        out.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(cpuModel()).append(", ").append(memTotal()).append("  \n");
        out.append("Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("\n\n");
        out.append("| group | benchmark | params | score | ± | unit | compared with | ratio | target |\n");
        out.append("|---|---|---|---:|---:|---|---|---:|---|\n");
        for (Row row : rows) {
            out.append("| ").append(row.group()).append(" | ").append(row.name()).append(" | ").append(row.params())
                    .append(" | ").append(number(row.score())).append(" | ").append(number(row.error())).append(" | ")
                    .append(row.unit()).append(" | ").append(row.comparedWith()).append(" | ")
                    .append(Double.isNaN(row.ratio()) ? "" : String.format(Locale.ROOT, "%.2fx", row.ratio()))
                    .append(" | ").append(row.target()).append(" |\n");
        }
        return out.toString();
    }

    private static String csv(List<Row> rows) {
        StringBuilder out = new StringBuilder("group,benchmark,params,score,error,unit,compared_with,ratio,target\n");
        for (Row row : rows) {
            out.append(String.join(",", row.group(), row.name(), row.params(), number(row.score()), number(row.error()),
                    row.unit(), row.comparedWith(), Double.isNaN(row.ratio()) ? "" : String.format(Locale.ROOT, "%.3f", row.ratio()),
                    "\"" + row.target() + "\"")).append('\n');
        }
        return out.toString();
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String argument(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal"))
                    .map(line -> (Long.parseLong(line.replaceAll("[^0-9]", "")) >> 20) + " GiB RAM").findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }
}
