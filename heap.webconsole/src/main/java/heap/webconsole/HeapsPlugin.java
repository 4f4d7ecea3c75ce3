package heap.webconsole;

import heap.api.HeapDiagnostics;
import heap.api.PoolRegion;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapStatus;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The Web Console page "Heaps" ({@code /system/console/heaps}): the heaps, the health checks tagged {@code heap},
 * the contiguous pool's map, owners and collections. {@code /content.part} is the page's body alone, which the
 * page fetches every two seconds; {@code /heap/TYPE/ID.json} is one heap as JSON. (The console wraps every path
 * in its page layout unless its last segment has an extension other than .html.)
 */
@Component(service = Servlet.class, property = {"felix.webconsole.label=" + HeapsPlugin.LABEL,
        "felix.webconsole.title=Heaps", "felix.webconsole.category=Heap platform"})
public class HeapsPlugin extends HttpServlet {
    static final String LABEL = "heaps";
    private static final String REFRESH = "<script>setInterval(function () {"
            + "fetch('" + LABEL + "/content.part', {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.text() : null; })"
            + ".then(function (t) { if (t !== null) { document.getElementById('heaps-content').innerHTML = t; } })"
            + ".catch(function () {}); }, 2000);</script>";

    /** Absent while the registry is not running: the page says so instead of going away. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile transient BufferAllocator allocator;
    private final transient Map<Long, HeapDiagnostics> diagnostics = new ConcurrentHashMap<>();
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile transient HealthCheckExecutor healthChecks;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDiagnostics(HeapDiagnostics heap, Map<String, Object> properties) {
        diagnostics.put((Long) properties.get(Constants.SERVICE_ID), heap);
    }

    void removeDiagnostics(HeapDiagnostics heap, Map<String, Object> properties) {
        diagnostics.remove((Long) properties.get(Constants.SERVICE_ID), heap);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        int at = path.indexOf("/" + LABEL);
        String rest = at < 0 ? path : path.substring(at + LABEL.length() + 1); // the console passes its own prefix
        response.setHeader("Cache-Control", "no-store");
        BufferAllocator registry = allocator;
        if (rest.isEmpty() || rest.equals("/")) {
            response.setContentType("text/html;charset=UTF-8");
            response.getWriter().write("<div id=\"heaps-content\">" + content(registry) + "</div>" + REFRESH);
        } else if (rest.equals("/content.part")) {
            response.setContentType("text/html;charset=UTF-8");
            response.getWriter().write(content(registry)); // 200 either way: the page shows the registry down
        } else if (rest.startsWith("/heap/") && rest.endsWith(".json") && registry == null) {
            registryDown(response);
        } else if (rest.startsWith("/heap/") && rest.endsWith(".json")) {
            heapJson(registry, rest.substring("/heap/".length(), rest.length() - ".json".length()), response);
        } else {
            response.sendError(HttpServletResponse.SC_NOT_FOUND, "no page " + rest + " under " + LABEL
                    + " (try /content.part or /heap/TYPE/ID.json)");
        }
    }

    /** 503 with the sentence the page shows: what the JSON and /metrics answer while there is no registry. */
    static void registryDown(HttpServletResponse response) throws IOException {
        response.setContentType("text/plain;charset=UTF-8");
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.getWriter().write(HeapsPage.REGISTRY_DOWN + "\n");
    }

    private String content(BufferAllocator registry) {
        return registry == null ? HeapsPage.registryDown(health()) : HeapsPage.content(snapshot(registry));
    }

    private static void heapJson(BufferAllocator allocator, String typeAndId, HttpServletResponse response)
            throws IOException {
        int slash = typeAndId.lastIndexOf('/');
        String type = slash < 0 ? typeAndId : typeAndId.substring(0, slash);
        String id = slash < 0 ? "0" : typeAndId.substring(slash + 1);
        for (HeapStatus heap : allocator.heaps()) {
            if (heap.id().heapType().equals(type) && Long.toString(heap.id().id()).equals(id)) {
                response.setContentType("application/json;charset=UTF-8");
                response.getWriter().write(HeapsPage.json(heap));
                return;
            }
        }
        response.setContentType("text/plain;charset=UTF-8");
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.getWriter().write("no heap " + type + "#" + id + " is bound to the allocator; bound: "
                + allocator.heaps().stream().map(heap -> heap.id().heapType() + "#" + heap.id().id()).toList() + "\n");
    }

    private HeapsPage.Snapshot snapshot(BufferAllocator allocator) {
        List<HeapStatus> heaps = allocator.heaps();
        Map<Long, List<PoolRegion>> layouts = new java.util.HashMap<>();
        diagnostics.forEach((serviceId, heap) -> layouts.put(serviceId, heap.layout()));
        return new HeapsPage.Snapshot(heaps, allocator.collections(), allocator.negotiations(), allocator.owners(),
                allocator.quotas(), layouts, health());
    }

    private List<HeapsPage.Health> health() {
        return HeapHealthChecks.run(healthChecks).rows();
    }
}
