package heap.webconsole;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.Preprocessor;

/**
 * One log line per refused login (credentials sent, 401 answered), naming the client and the path, with no stack
 * trace. A preprocessor sees every request before the console's own security does, and its answer after.
 */
@Component(service = Preprocessor.class)
public class LoginFailureLog implements Preprocessor {
    private static final System.Logger LOG = System.getLogger("heap.webconsole");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(request, response);
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && answer.getStatus() == HttpServletResponse.SC_UNAUTHORIZED && http.getHeader("Authorization") != null) {
            LOG.log(System.Logger.Level.WARNING, "web console: login refused for " + http.getRequestURI() + " from "
                    + http.getRemoteAddr() + " (wrong user or password)");
        }
    }
}
