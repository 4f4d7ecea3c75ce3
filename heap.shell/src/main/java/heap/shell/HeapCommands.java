package heap.shell;

import heap.api.Heap;
import heap.api.HeapDiagnostics;
import heap.api.HeapId;
import heap.api.StatusException;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** Gogo commands in scope {@code heap}. Errors print one line and count as a failed command for scripts. */
@Component(immediate = true, service = HeapCommands.class, property = {"osgi.command.scope=heap", "osgi.command.function=list",
        "osgi.command.function=alloc", "osgi.command.function=free", "osgi.command.function=collections",
        "osgi.command.function=info", "osgi.command.function=stats", "osgi.command.function=check",
        "osgi.command.function=owners", "osgi.command.function=quotas", "osgi.command.function=heap"})
public class HeapCommands {
    private final HeapShell shell;
    private final Map<HeapDiagnostics, String> diagnostics = new ConcurrentHashMap<>();

    @Activate
    public HeapCommands(@Reference BufferAllocator allocator, @Reference ServiceComponentRuntime components) {
        this.shell = new HeapShell(allocator, () -> failedHeaps(components));
    }

    /** Heap components SCR could not activate, with the root cause of their failure. */
    static List<HeapShell.FailedHeap> failedHeaps(ServiceComponentRuntime components) {
        List<HeapShell.FailedHeap> failed = new java.util.ArrayList<>();
        for (ComponentDescriptionDTO description : components.getComponentDescriptionDTOs()) {
            if (description.serviceInterfaces != null
                    && List.of(description.serviceInterfaces).contains(heap.api.Heap.class.getName())) {
                for (ComponentConfigurationDTO configuration : components.getComponentConfigurationDTOs(description)) {
                    if (configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        failed.add(new HeapShell.FailedHeap(String.valueOf(description.properties.get("heap.type")),
                                instanceId(configuration.properties), description.bundle.symbolicName,
                                rootCause(configuration.failure)));
                    }
                }
            }
        }
        return failed;
    }

    /** The heap.id a component configuration would have registered with (a factory configuration sets it), or 0. */
    static long instanceId(Map<String, Object> properties) {
        try {
            return HeapId.idOf(properties.get(Heap.HEAP_ID));
        } catch (StatusException e) {
            return 0; // not a number: the registry would refuse the heap anyway
        }
    }

    /** The innermost "Caused by:" of a failure SCR recorded as text, or its first line. */
    static String rootCause(String failure) {
        if (failure == null || failure.isBlank()) {
            return "activation failed";
        }
        String cause = failure.lines().findFirst().orElse(failure);
        for (String line : failure.lines().toList()) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        return cause;
    }

    @Deactivate
    void deactivate() {
        shell.closeAll();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeDiagnostics")
    void addDiagnostics(HeapDiagnostics heap, Map<String, Object> properties) {
        diagnostics.put(heap, heapName(properties));
    }

    /** TYPE#ID, as the registry names a heap: two instances of one pool are two lines of heap:check. */
    static String heapName(Map<String, Object> properties) {
        try {
            return HeapId.fromServiceProperties(properties).toString();
        } catch (StatusException e) {
            return String.valueOf(properties.get(Heap.HEAP_TYPE)); // the registry refuses it and says why
        }
    }

    void removeDiagnostics(HeapDiagnostics heap) {
        diagnostics.remove(heap);
    }

    @Descriptor("lists the heap commands and their usage")
    public String heap() {
        return Usage.overview();
    }

    @Descriptor("lists the heaps: type, id, bundle, state, domains, need_clear/flush, live buffers, used/capacity")
    public String list(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, shell::list, Text::heaps);
    }

    @Descriptor("allocates a collection; sizes like 4096, 64k, 8M, 1G, 8.0MiB; buffers stay allocated until heap:free")
    public String alloc(@Descriptor("how many buffers (default 1)") @Parameter(names = "--count", absentValue = "1") int count,
            @Descriptor("physically contiguous (the contiguous pool serves it)")
            @Parameter(names = "--contiguous", presentValue = "true", absentValue = "false") boolean contiguous,
            @Descriptor("secure_required (a secure heap; not with --cpu)")
            @Parameter(names = "--secure", presentValue = "true", absentValue = "false") boolean secure,
            @Descriptor("the participant uses the CPU (sets the domain defaults)")
            @Parameter(names = "--cpu", presentValue = "true", absentValue = "false") boolean cpu,
            @Descriptor("permit only this heap: TYPE or TYPE#ID; TYPE as listed, its last part (secure, system-ram) or its first words (contiguous); without #ID instance 0, or the one instance of a type run under other ids")
            @Parameter(names = "--heap", absentValue = "") String heap,
            @Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("buffer size") String size) {
        return run(json, () -> shell.alloc(SizeArgument.parse(size), count, contiguous, secure, cpu, heap), Text::collection);
    }

    @Descriptor("frees a collection this shell allocated")
    public String free(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("collection id") long id) {
        return run(json, () -> shell.free(id), result -> "freed collection " + id);
    }

    @Descriptor("lists collections whose buffers are not all reclaimed")
    public String collections(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, shell::collections, Text::collections);
    }

    @Descriptor("lists the bundles that allocated: per heap live buffers, bytes, peak, failures, reclaimed at stop, held back")
    public String owners(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, shell::owners, Text::owners);
    }

    @Descriptor("lists the quotas (heap.quota configurations): bundles, heap type, limits, the bundles they limit, a refused update")
    public String quotas(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, shell::quotas, Text::quotas);
    }

    @Descriptor("shows a collection (by id) or a buffer (by koid); an id that is both is refused unless --koid says which")
    public String info(@Descriptor("look the number up as a buffer koid only")
            @Parameter(names = "--koid", presentValue = "true", absentValue = "false") boolean koid, @Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("collection id or koid") String idOrKoid) {
        return run(json, () -> shell.info(idOrKoid, koid),
                result -> result.containsKey("buffers") ? Text.collection(result) : Text.buffer(result));
    }

    @Descriptor("every metric of every heap")
    public String stats(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, () -> shell.stats(null), Text::stats);
    }

    @Descriptor("every metric of the heaps of one type, or of one heap")
    public String stats(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("TYPE or TYPE#ID; TYPE as listed, its last part (secure, system-ram) or its first words (contiguous)") String heapType) {
        return run(json, () -> shell.stats(heapType), Text::stats);
    }

    @Descriptor("runs the heaps' integrity checks (guard pages) now")
    public String check(@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        return run(json, () -> HeapShell.check(diagnostics), Text::check);
    }

    /**
     * What heap:list, heap:owners, heap:collections, heap:quotas and heap:stats print, in one text or one JSON
     * document: the Web Console's status page and support zips ({@link HeapInventory}). A view the registry cannot
     * answer says why in its place.
     */
    String inventory(boolean json) {
        List<View> views = List.of(new View("heaps", shell::list, Text::heaps),
                new View("owners", shell::owners, Text::owners),
                new View("collections", shell::collections, Text::collections),
                new View("quotas", shell::quotas, Text::quotas),
                new View("stats", () -> shell.stats(null), rows -> rows.isEmpty() ? "no heaps" : Text.stats(rows)));
        Map<String, Object> document = new java.util.LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        for (View view : views) {
            String shown;
            try {
                List<Map<String, Object>> rows = view.rows().get();
                document.put(view.name(), rows);
                shown = json ? "" : view.text().apply(rows);
            } catch (SysmemException | StatusException e) {
                document.put(view.name(), errorDocument(e));
                shown = "error: " + e.getMessage();
            }
            text.append(view.name().toUpperCase()).append(System.lineSeparator()).append(shown)
                    .append(System.lineSeparator()).append(System.lineSeparator());
        }
        return json ? Json.write(document) : text.toString().stripTrailing() + System.lineSeparator();
    }

    /** One listing of the inventory: its name, its rows, and how the console prints them. */
    private record View(String name, Supplier<List<Map<String, Object>>> rows,
            Function<List<Map<String, Object>>, String> text) {
    }

    /** The error document of a status or sysmem error, whose message starts "CODE: ". */
    private static Map<String, Object> errorDocument(RuntimeException e) {
        String message = e.getMessage();
        return errorDocument(message.substring(0, Math.max(message.indexOf(": "), 0)), HeapShell.detail(message));
    }

    /** {"error": CODE, "message": TEXT}, always in that order. */
    static Map<String, Object> errorDocument(String code, String message) {
        Map<String, Object> document = new java.util.LinkedHashMap<>();
        document.put("error", code);
        document.put("message", message);
        return document;
    }

    private <T> String run(boolean json, Supplier<T> command, Function<T, String> text) {
        try {
            T result = command.get();
            return json ? Json.write(result) : text.apply(result);
        } catch (SysmemException | StatusException e) {
            throw new CommandFailure(e.getMessage(), json ? Json.write(errorDocument(e)) : null);
        }
    }
}
