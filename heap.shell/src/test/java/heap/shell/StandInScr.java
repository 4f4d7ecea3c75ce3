package heap.shell;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;
import org.osgi.util.promise.Promise;

/**
 * A stand-in for SCR holding the component states a test sets up, among them states (a registry that failed) a
 * real framework only reaches by breaking a bundle.
 */
final class StandInScr implements ServiceComponentRuntime {
    final Map<ComponentDescriptionDTO, List<ComponentConfigurationDTO>> states = new HashMap<>();
    final List<ComponentDescriptionDTO> disabled = new ArrayList<>();

    /** A component of {@code bundle} whose configuration PID is its name, with one configuration per state given. */
    ComponentDescriptionDTO component(String bundle, String name, String policy, int... configurationStates) {
        ComponentDescriptionDTO description = new ComponentDescriptionDTO();
        description.bundle = new BundleDTO();
        description.bundle.symbolicName = bundle;
        description.name = name;
        description.immediate = true;
        description.configurationPolicy = policy;
        description.configurationPid = new String[] {name};
        description.references = new ReferenceDTO[0];
        description.serviceInterfaces = new String[0];
        List<ComponentConfigurationDTO> configurations = new ArrayList<>();
        for (int state : configurationStates) {
            ComponentConfigurationDTO configuration = new ComponentConfigurationDTO();
            configuration.state = state;
            configuration.unsatisfiedReferences = new UnsatisfiedReferenceDTO[0];
            configuration.properties = new HashMap<>();
            configurations.add(configuration);
        }
        states.put(description, configurations);
        return description;
    }

    @Override
    public Collection<ComponentDescriptionDTO> getComponentDescriptionDTOs(Bundle... bundles) {
        return states.keySet();
    }

    @Override
    public ComponentDescriptionDTO getComponentDescriptionDTO(Bundle bundle, String name) {
        return null;
    }

    @Override
    public Collection<ComponentConfigurationDTO> getComponentConfigurationDTOs(ComponentDescriptionDTO description) {
        return states.get(description);
    }

    @Override
    public boolean isComponentEnabled(ComponentDescriptionDTO description) {
        return !disabled.contains(description);
    }

    @Override
    public Promise<Void> enableComponent(ComponentDescriptionDTO description) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Promise<Void> disableComponent(ComponentDescriptionDTO description) {
        throw new UnsupportedOperationException();
    }
}
