package heap.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each heap command takes, so a line Gogo cannot match to a command's parameters gets one plain sentence naming
 * the argument at fault and the usage, instead of Gogo's "Cannot coerce …".
 */
final class Usage {
    /** One command: its usage line, its flags, the flags that take a value, and its positional arguments. */
    record Command(String usage, Set<String> flags, Set<String> valued, List<String> positional, boolean numeric) {
    }

    static final Map<String, Command> COMMANDS = Map.of(
            "heap", new Command("heap:heap", Set.of(), Set.of(), List.of(), false),
            "list", new Command("heap:list [--json]", Set.of("--json"), Set.of(), List.of(), false),
            "alloc", new Command("heap:alloc SIZE [--count N] [--contiguous] [--secure] [--cpu] [--heap TYPE[#ID]] [--json]",
                    Set.of("--count", "--contiguous", "--secure", "--cpu", "--heap", "--json"), Set.of("--count", "--heap"),
                    List.of("SIZE"), false),
            "free", new Command("heap:free [--json] ID", Set.of("--json"), Set.of(), List.of("ID"), true),
            "collections", new Command("heap:collections [--json]", Set.of("--json"), Set.of(), List.of(), false),
            "owners", new Command("heap:owners [--json]", Set.of("--json"), Set.of(), List.of(), false),
            "quotas", new Command("heap:quotas [--json]", Set.of("--json"), Set.of(), List.of(), false),
            "info", new Command("heap:info [--koid] [--json] ID-or-KOID", Set.of("--koid", "--json"), Set.of(),
                    List.of("ID-or-KOID"), true),
            "stats", new Command("heap:stats [TYPE] [--json]", Set.of("--json"), Set.of(), List.of(), false),
            "check", new Command("heap:check [--json]", Set.of("--json"), Set.of(), List.of(), false));

    private Usage() {
    }

    /** The heap command a line runs ({@code heap:free 1} or {@code free 1}), or null. */
    static String commandOf(String line) {
        String first = line.strip().split("\\s+")[0];
        String name = first.startsWith("heap:") ? first.substring("heap:".length()) : first;
        return COMMANDS.containsKey(name) ? name : null;
    }

    static boolean wantsHelp(String line) {
        return List.of(line.strip().split("\\s+")).contains("--help");
    }

    /** Why {@code line} does not fit its command, in one sentence with the usage. */
    static String explain(String line) {
        String name = commandOf(line);
        Command command = COMMANDS.get(name);
        String[] tokens = line.strip().split("\\s+");
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < tokens.length; i++) {
            String token = tokens[i];
            if (token.startsWith("--")) {
                if (!command.flags().contains(token)) {
                    return "heap:" + name + ": unknown option " + token + "; usage: " + command.usage();
                }
                if (command.valued().contains(token)) {
                    if (i + 1 >= tokens.length) {
                        return "heap:" + name + ": " + token + " needs a value; usage: " + command.usage();
                    }
                    if (token.equals("--count") && !tokens[i + 1].matches("\\d+")) {
                        return "heap:" + name + ": --count '" + tokens[i + 1] + "' is not a whole number; usage: "
                                + command.usage();
                    }
                    i++;
                }
            } else {
                positional.add(token);
            }
        }
        int wanted = command.positional().size();
        if (name.equals("stats") && positional.size() <= 1) {
            wanted = positional.size();
        }
        if (positional.size() < wanted) {
            return "heap:" + name + ": " + command.positional().get(positional.size()) + " is missing; usage: "
                    + command.usage();
        }
        if (positional.size() > wanted) {
            return "heap:" + name + ": unexpected argument '" + positional.get(wanted) + "'; usage: " + command.usage();
        }
        if (command.numeric() && !positional.isEmpty() && !positional.get(0).matches("\\d+")) {
            return "heap:" + name + ": " + command.positional().get(0) + " '" + positional.get(0)
                    + "' is not a number; usage: " + command.usage();
        }
        return "heap:" + name + ": wrong arguments; usage: " + command.usage();
    }

    /** Every command with its usage: what {@code heap} (and so {@code help heap}) prints. */
    static String overview() {
        StringBuilder out = new StringBuilder("heap commands (each takes --json for one JSON document):\n");
        for (String name : List.of("list", "alloc", "free", "collections", "owners", "quotas", "info", "stats", "check")) {
            out.append("  ").append(COMMANDS.get(name).usage()).append('\n');
        }
        return out.toString().stripTrailing();
    }
}
