package heap.shell;

import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** The platform's components (of the heap.* bundles) that are enabled but not running, each with why, as SCR says. */
final class NotStarted {
    private NotStarted() {
    }

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
