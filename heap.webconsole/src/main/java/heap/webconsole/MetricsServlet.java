package heap.webconsole;

import heap.api.allocator.BufferAllocator;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code GET /metrics}: the Prometheus text format, for a scraper on the same host (HTTP listens on 127.0.0.1).
 * While the registry is not running (stopped, or its bundle being updated) it answers 503 saying so: the scraper
 * records the target down, where a 404 looked like a wrong address.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=heap-metrics"})
public class MetricsServlet extends HttpServlet {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile transient BufferAllocator allocator;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        BufferAllocator registry = allocator;
        if (registry == null) {
            HeapsPlugin.registryDown(response);
            return;
        }
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.getWriter().write(PrometheusText.write(registry.heaps(), registry.owners(), registry.collections()));
    }
}
