package heap.webconsole;

import heap.api.allocator.BufferAllocator;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code GET /metrics}: the Prometheus text format, for a scraper on the same host (HTTP listens on 127.0.0.1). */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=heap-metrics"})
public class MetricsServlet extends HttpServlet {
    private final transient BufferAllocator allocator;

    @Activate
    public MetricsServlet(@Reference BufferAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.getWriter().write(PrometheusText.write(allocator.heaps(), allocator.owners(), allocator.collections()));
    }
}
