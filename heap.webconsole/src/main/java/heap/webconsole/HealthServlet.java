package heap.webconsole;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code GET /health}: the heap health checks for a probe on the same host (a service manager, a container's
 * health check): 200 while every check is OK or WARN, 503 when one is CRITICAL (or worse) or none runs; the body is
 * JSON naming each check, its status and message.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/health",
        "osgi.http.whiteboard.servlet.name=heap-health"})
public class HealthServlet extends HttpServlet {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile transient HealthCheckExecutor healthChecks;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HeapHealthChecks checks = HeapHealthChecks.run(healthChecks);
        response.setContentType("application/json;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setStatus(checks.up() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.getWriter().write(checks.json() + "\n");
    }
}
