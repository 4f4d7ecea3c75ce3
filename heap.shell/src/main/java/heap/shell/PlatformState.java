package heap.shell;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * What the console reads from the framework and SCR as it opens: whether they are done starting, and the platform's
 * components (of the heap.* bundles) that are enabled but not running, each with why, as SCR says.
 */
final class PlatformState {
    private PlatformState() {
    }

    /** The framework is ACTIVE before its start levels are all raised: wait for every bundle meant to start. */
    static boolean everyBundleStarted(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            var startLevel = bundle.adapt(org.osgi.framework.startlevel.BundleStartLevel.class);
            if (startLevel != null && startLevel.isPersistentlyStarted() && bundle.getHeaders().get("Fragment-Host") == null
                    && bundle.getState() != Bundle.ACTIVE) {
                return false;
            }
        }
        return true;
    }

    /** Whether SCR has read every started bundle's components and settled each immediate one. */
    static boolean componentsSettled(ServiceComponentRuntime components, BundleContext context) {
        var descriptions = components.getComponentDescriptionDTOs();
        Set<Long> processed = new HashSet<>();
        descriptions.forEach(description -> processed.add(description.bundle.id));
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.ACTIVE && bundle.getHeaders().get("Service-Component") != null
                    && !processed.contains(bundle.getBundleId())) {
                return false;
            }
        }
        return descriptions.stream().allMatch(description -> settled(components, description));
    }

    /**
     * Whether SCR is done with an immediate component: none of its configurations is still activating. Having none
     * yet means SCR is still at work, unless the component requires a configuration it has not got (the health check
     * bundle's servlets and filters): that is where it stays.
     */
    static boolean settled(ServiceComponentRuntime components, ComponentDescriptionDTO description) {
        if (!description.immediate || !components.isComponentEnabled(description)) {
            return true;
        }
        var configurations = components.getComponentConfigurationDTOs(description);
        if (configurations.isEmpty()) {
            return "require".equals(description.configurationPolicy);
        }
        return configurations.stream().noneMatch(c -> c.state == ComponentConfigurationDTO.SATISFIED);
    }

    /** The platform's components that are enabled but not running: one line each, naming the bundle and why. */
    static List<String> problems(ServiceComponentRuntime components) {
        List<String> problems = new ArrayList<>();
        for (ComponentDescriptionDTO description : components.getComponentDescriptionDTOs()) {
            if (!description.bundle.symbolicName.startsWith("heap.") || !components.isComponentEnabled(description)) {
                continue;
            }
            String component = description.bundle.symbolicName + " component " + description.name;
            for (ComponentConfigurationDTO configuration : components.getComponentConfigurationDTOs(description)) {
                switch (configuration.state) {
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> problems.add(component
                            + " failed to start: " + HeapCommands.rootCause(configuration.failure));
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> problems.add(component + " waits for "
                            + waitedFor(description, configuration.unsatisfiedReferences));
                    case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> problems.add(component
                            + " waits for its configuration (" + String.join(", ", description.configurationPid) + ")");
                    default -> {
                    }
                }
            }
        }
        return problems;
    }

    /** The services its unsatisfied references name (and their targets), not the references' own names. */
    private static String waitedFor(ComponentDescriptionDTO description, UnsatisfiedReferenceDTO[] unsatisfied) {
        List<String> services = new ArrayList<>();
        for (UnsatisfiedReferenceDTO reference : unsatisfied) {
            String service = reference.name;
            for (ReferenceDTO declared : description.references) {
                if (declared.name.equals(reference.name)) {
                    service = declared.interfaceName;
                }
            }
            services.add(service + (reference.target == null ? "" : " " + reference.target));
        }
        return String.join(", ", services);
    }
}
