package heap.webconsole;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Checks the HTTP configuration (PID {@code org.apache.felix.http}) before Jetty sees it: a port out of range or in
 * use, or a host that does not resolve, is refused with one log line, and Jetty keeps the value it had, so the
 * console stays where it was and the rest of the platform never notices.
 */
@Component(service = ConfigurationPlugin.class, property = {ConfigurationPlugin.CM_TARGET + "=" + HttpSettingsGuard.PID,
        ConfigurationPlugin.CM_RANKING + ":Integer=0"})
public class HttpSettingsGuard implements ConfigurationPlugin {
    static final String PID = "org.apache.felix.http";
    static final String PORT = "org.osgi.service.http.port";
    static final String HOST = "org.apache.felix.http.host";
    private static final System.Logger LOG = System.getLogger("heap.webconsole");

    /** What Jetty runs with now: the framework's values until a configuration passes. */
    private final Map<String, Object> current = new HashMap<>();

    @Activate
    public HttpSettingsGuard(BundleContext context) {
        current.put(PORT, context.getProperty(PORT) == null ? "8080" : context.getProperty(PORT));
        current.put(HOST, context.getProperty(HOST) == null ? "0.0.0.0" : context.getProperty(HOST));
    }

    @Override
    public synchronized void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object host = properties.get(HOST) == null ? current.get(HOST) : properties.get(HOST);
        String hostProblem = hostProblem(host);
        if (hostProblem != null) {
            refuse(properties, HOST, hostProblem);
            host = current.get(HOST);
        } else {
            current.put(HOST, host);
        }
        Object port = properties.get(PORT);
        if (port != null && !port.toString().trim().equals(current.get(PORT).toString())) {
            String portProblem = portProblem(port.toString().trim(), host.toString());
            if (portProblem != null) {
                refuse(properties, PORT, portProblem);
            } else {
                current.put(PORT, port.toString().trim());
            }
        }
    }

    private void refuse(Dictionary<String, Object> properties, String key, String problem) {
        LOG.log(System.Logger.Level.ERROR, "configuration " + PID + ": " + key + "=" + properties.get(key) + " refused: "
                + problem + "; keeping " + current.get(key));
        properties.put(key, current.get(key));
    }

    static String hostProblem(Object host) {
        try {
            InetAddress.getByName(host.toString().trim());
            return null;
        } catch (IOException e) {
            return "it must be an address or a name of this host";
        }
    }

    /** Null when {@code port} is -1 (HTTP off), 0 (any free port) or a free port from 1 to 65535 on {@code host}. */
    static String portProblem(String port, String host) {
        int value;
        try {
            value = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return "it must be -1 (off), 0 (any free port) or 1 to 65535";
        }
        if (value < -1 || value > 65535) {
            return "it must be -1 (off), 0 (any free port) or 1 to 65535";
        }
        if (value > 0) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(host, value));
            } catch (IOException e) {
                return "port " + value + " is in use on " + host;
            }
        }
        return null;
    }
}
