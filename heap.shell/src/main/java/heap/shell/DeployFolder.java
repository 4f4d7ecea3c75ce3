package heap.shell;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The configuration files in FileInstall's folder ({@code deploy/}) as the console opens: the first command must
 * see them in effect, and a file that configures nothing here is worth a warning (FileInstall reads
 * {@code a-b.cfg} as instance {@code b} of factory {@code a}, so a PID with a '-' cannot be configured there).
 */
final class DeployFolder {
    /** One file, as FileInstall reads its name: a PID, or a factory PID and an instance name (null for a PID). */
    record ConfigFile(String name, String pid, String instance) {
        /** {@code a.cfg}: PID {@code a}; {@code a-b.cfg}: instance {@code b} of factory PID {@code a}. */
        static ConfigFile of(String name) {
            String base = name.substring(0, name.lastIndexOf('.'));
            int dash = base.indexOf('-');
            return dash > 0 ? new ConfigFile(name, base.substring(0, dash), base.substring(dash + 1))
                    : new ConfigFile(name, base, null);
        }

        boolean factory() {
            return instance != null;
        }

        /** The PID ConfigAdmin gives a factory file's configuration: {@code heap.quota~camera}. */
        String factoryConfigurationPid() {
            return pid + "~" + instance;
        }
    }

    /** The factory whose configurations the registry takes itself (a ManagedServiceFactory, not a component). */
    static final String QUOTA_FACTORY = "heap.quota";

    private static final String FILENAME = "felix.fileinstall.filename";

    private DeployFolder() {
    }

    /**
     * Why the jar {@code file} is not a bundle, or null when it is one. FileInstall leaves such a file alone
     * without a word (a plain library jar, a truncated copy), and retries it at every poll.
     */
    static String whyNotABundle(File file) {
        try (JarFile jar = new JarFile(file)) {
            Manifest manifest = jar.getManifest();
            return manifest == null || manifest.getMainAttributes().getValue("Bundle-SymbolicName") == null
                    ? "has no Bundle-SymbolicName in its manifest, so it is not an OSGi bundle" : null;
        } catch (IOException e) {
            return "is not a jar (" + e.getMessage() + ")";
        }
    }

    static List<ConfigFile> configFiles(BundleContext context) {
        String folder = context.getProperty("felix.fileinstall.dir");
        File[] files = folder == null ? null : new File(folder).listFiles(file -> file.isFile()
                && (file.getName().endsWith(".cfg") || file.getName().endsWith(".config")));
        List<ConfigFile> configFiles = new ArrayList<>();
        for (File file : files == null ? new File[0] : files) {
            configFiles.add(ConfigFile.of(file.getName()));
        }
        return configFiles;
    }

    /**
     * Whether every component a file configures runs with it: SCR's view of it names the file, it is no longer
     * activating, and the service it registered (a heap's, which the registry binds as it is registered) names the
     * file too. SCR shows the new properties a moment before it has replaced the instance a late configuration
     * restarts (a heap's); the registered service's properties are the running instance's. A quota file is in
     * effect once the registry lists its configuration ({@code quotaPids}, in force or refused; null: no registry).
     */
    static boolean inEffect(List<ConfigFile> files, ServiceComponentRuntime components, Set<String> quotaPids) {
        for (ConfigFile file : files) {
            if (!factoryFilesBeside(file, files).isEmpty()) {
                continue; // never in effect: not waited for, warned about
            }
            if (quotaPids != null && file.factory() && file.pid().equals(QUOTA_FACTORY)
                    && !quotaPids.contains(file.factoryConfigurationPid())) {
                return false;
            }
            for (ComponentDescriptionDTO description : consumers(file, components)) {
                boolean applied = components.getComponentConfigurationDTOs(description).stream()
                        .anyMatch(configuration -> names(configuration.properties, file)
                                && (configuration.state == ComponentConfigurationDTO.ACTIVE
                                        || configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION)
                                && (description.serviceInterfaces.length == 0 || configuration.service != null
                                        && names(configuration.service.properties, file)));
                if (!applied) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The factory files of {@code file}'s PID when it is a file of the PID itself (heap.secure-a.cfg for heap.secure.cfg). */
    private static List<ConfigFile> factoryFilesBeside(ConfigFile file, List<ConfigFile> files) {
        return file.factory() ? List.of()
                : files.stream().filter(other -> other.factory() && other.pid().equals(file.pid())).toList();
    }

    private static boolean names(Map<String, Object> properties, ConfigFile file) {
        return properties != null && String.valueOf(properties.get(FILENAME)).endsWith("/" + file.name());
    }

    /**
     * One line per file that no component, ManagedService or ManagedServiceFactory here takes, and per file of a
     * component's own PID beside factory files of it, which SCR then does not take either.
     */
    static List<String> unused(List<ConfigFile> files, ServiceComponentRuntime components, BundleContext context) {
        List<String> unused = new ArrayList<>();
        for (ConfigFile file : files) {
            List<ConfigFile> factoryFiles = factoryFilesBeside(file, files);
            boolean taken = !consumers(file, components).isEmpty();
            if (!factoryFiles.isEmpty() && taken) {
                unused.add("deploy/" + file.name() + " is not used: " + file.pid() + " runs one instance per factory "
                        + "file (" + String.join(", ", factoryFiles.stream().map(ConfigFile::name).toList())
                        + "), and SCR then takes no configuration of the PID itself; put its keys in those files");
            } else if (!taken && !registeredFor(file.pid(), context)) {
                unused.add("deploy/" + file.name() + " configures " + (file.factory() ? "factory PID " : "PID ")
                        + file.pid() + ", which nothing here takes" + (file.factory()
                        ? " (a '-' in the name makes a factory configuration: PIDs here have no '-')" : ""));
            }
        }
        return unused;
    }

    /**
     * The enabled components a file configures. SCR gives a component a factory configuration of its PID whatever
     * its policy but {@code ignore}: {@code heap.secure-two.cfg} configures the one secure heap, as instance "two".
     */
    private static List<ComponentDescriptionDTO> consumers(ConfigFile file, ServiceComponentRuntime components) {
        return components.getComponentDescriptionDTOs().stream()
                .filter(description -> components.isComponentEnabled(description)
                        && List.of(description.configurationPid).contains(file.pid())
                        && !"ignore".equals(description.configurationPolicy))
                .toList();
    }

    private static boolean registeredFor(String pid, BundleContext context) {
        try {
            return context.getServiceReferences((String) null, "(service.pid=" + pid + ")") != null;
        } catch (InvalidSyntaxException e) {
            return false; // a PID no filter can name is one no service is registered for
        }
    }
}
