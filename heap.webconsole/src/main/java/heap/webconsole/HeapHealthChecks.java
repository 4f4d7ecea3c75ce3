package heap.webconsole;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;

/** The health checks tagged {@code heap}, run now: what the Heaps page and {@code /health} show. */
record HeapHealthChecks(List<HeapsPage.Health> rows, Result.Status worst) {
    /** None ran (no executor): no rows, and the worst is OK, which callers that must answer check with {@link #ran}. */
    static HeapHealthChecks run(HealthCheckExecutor executor) {
        List<HeapsPage.Health> rows = new ArrayList<>();
        Result.Status worst = Result.Status.OK;
        if (executor != null) {
            for (HealthCheckExecutionResult result : executor.execute(HealthCheckSelector.tags("heap"))) {
                StringBuilder message = new StringBuilder();
                for (ResultLog.Entry entry : result.getHealthCheckResult()) {
                    message.append(message.isEmpty() ? "" : "; ").append(entry.getMessage());
                }
                Result.Status status = result.getHealthCheckResult().getStatus();
                worst = status.ordinal() > worst.ordinal() ? status : worst;
                rows.add(new HeapsPage.Health(result.getHealthCheckMetadata().getName(), status.name(),
                        message.toString()));
            }
        }
        return new HeapHealthChecks(List.copyOf(rows), worst);
    }

    boolean ran() {
        return !rows.isEmpty();
    }

    /** Up for a probe: every check OK or WARN (a warning is for an operator, not a reason to restart). */
    boolean up() {
        return ran() && worst.ordinal() <= Result.Status.WARN.ordinal();
    }

    /** {"status":"WARN","checks":[{"name":…,"status":…,"message":…}]} */
    String json() {
        StringBuilder json = new StringBuilder("{\"status\":").append(HeapsPage.quote(ran() ? worst.name() : "NONE"))
                .append(",\"checks\":[");
        String separator = "";
        for (HeapsPage.Health row : rows) {
            json.append(separator).append("{\"name\":").append(HeapsPage.quote(row.name())).append(",\"status\":")
                    .append(HeapsPage.quote(row.status())).append(",\"message\":").append(HeapsPage.quote(row.message()))
                    .append('}');
            separator = ",";
        }
        return json.append("]}").toString();
    }
}
