package heap.webconsole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * No default password: the Web Console ships admin/admin, so unless the operator configured a password, a random
 * one is generated as the platform starts (and whenever the operator's configuration is deleted), given to the
 * console as its SHA-256 hash and printed once in the log. It holds for the platform's run: a restart of this bundle
 * (an update, a refresh of heap.api) keeps it, as the log line said. This bundle starts before the console's (start
 * levels by name), so the console never runs with its default.
 */
@Component(immediate = true, service = ConfigurationListener.class)
public class ConsolePassword implements ConfigurationListener {
    static final String PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    /** Marks a password this component generated: the platform's next start replaces it; an operator's is kept. */
    static final String GENERATED = "heap.password.generated";
    /** The framework run (its org.osgi.framework.uuid) a generated password was made in: kept within that run. */
    static final String GENERATED_IN = "heap.password.generated.in";
    private static final String HTTP_RUNTIME = "org.osgi.service.servlet.runtime.HttpServiceRuntime";
    private static final System.Logger LOG = System.getLogger("heap.webconsole");

    private final ConfigurationAdmin configurationAdmin;
    private final BundleContext context;

    @Activate
    public ConsolePassword(@Reference ConfigurationAdmin configurationAdmin, BundleContext context) throws IOException {
        this.configurationAdmin = configurationAdmin;
        this.context = context;
        ensurePassword();
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_DELETED && PID.equals(event.getPid())) {
            try {
                ensurePassword();
            } catch (IOException | IllegalStateException e) {
                LOG.log(System.Logger.Level.ERROR, "web console: cannot set a generated password: " + e);
            }
        }
    }

    private synchronized void ensurePassword() throws IOException {
        Configuration configuration = configurationAdmin.getConfiguration(PID, "?");
        long changeCount = configuration.getChangeCount();
        Dictionary<String, Object> properties = configuration.getProperties();
        String run = context.getProperty(org.osgi.framework.Constants.FRAMEWORK_UUID);
        if (properties != null && properties.get("password") != null && (properties.get(GENERATED) == null
                || (run != null && run.equals(properties.get(GENERATED_IN))))) {
            return; // the operator's, or one generated in this run and logged then
        }
        Dictionary<String, Object> updated = properties == null ? new Hashtable<>() : properties;
        String user = updated.get("username") == null ? "admin" : updated.get("username").toString();
        String password = generate();
        updated.put("username", user);
        updated.put("password", hash(password));
        updated.put(GENERATED, Boolean.TRUE);
        if (run != null) {
            updated.put(GENERATED_IN, run);
        }
        if (configuration.getChangeCount() != changeCount) {
            return; // the operator configured the console meanwhile: theirs wins
        }
        configuration.update(updated);
        LOG.log(System.Logger.Level.WARNING, "web console: no password configured, generated one for this start: "
                + "user " + user + ", password " + password + " at " + consoleAddress() + " (set password in " + PID
                + ".cfg to choose one)");
    }

    /** The console's stored form: {@code {sha-256}} and the Base64 of the password's SHA-256. */
    static String hash(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{sha-256}" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String generate() {
        byte[] random = new byte[15];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * Where the Heaps page answers: the HTTP runtime's endpoint once Jetty listens (the real port when the setting is
     * 0), else the configured host and port.
     */
    private String consoleAddress() throws IOException {
        String endpoint = null;
        try {
            ServiceReference<?>[] runtimes = context.getServiceReferences(HTTP_RUNTIME, null);
            if (runtimes != null) {
                Object value = runtimes[0].getProperty("osgi.http.endpoint");
                endpoint = value instanceof String[] all && all.length > 0 ? all[0]
                        : value instanceof Collection<?> all && !all.isEmpty() ? all.iterator().next().toString()
                        : value instanceof String one ? one : null;
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (endpoint == null) {
            endpoint = "http://" + http("org.apache.felix.http.host", "0.0.0.0") + ":"
                    + http("org.osgi.service.http.port", "8080") + "/";
        }
        return (endpoint.endsWith("/") ? endpoint : endpoint + "/") + "system/console/heaps";
    }

    /** An HTTP setting as Jetty has it: its configuration's value, else the framework's. */
    private String http(String key, String otherwise) throws IOException {
        Configuration[] configured;
        try {
            configured = configurationAdmin.listConfigurations("(service.pid=" + HttpSettingsGuard.PID + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        Object value = configured == null || configured[0].getProperties() == null ? null
                : configured[0].getProperties().get(key);
        if (value == null) {
            value = context.getProperty(key);
        }
        return value == null ? otherwise : value.toString();
    }
}
