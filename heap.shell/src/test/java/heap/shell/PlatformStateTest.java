package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;

/**
 * What the console makes of SCR's state as it opens: when it stops waiting, and what it reports as not started.
 * SCR here is a stand-in holding the states a registry that failed leaves behind, which a real framework only
 * reaches by breaking a bundle.
 */
class PlatformStateTest {
    private final Map<ComponentDescriptionDTO, List<ComponentConfigurationDTO>> states = new HashMap<>();
    private final List<ComponentDescriptionDTO> disabled = new ArrayList<>();

    private final ServiceComponentRuntime scr = new ServiceComponentRuntime() {
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
    };

    private ComponentDescriptionDTO component(String bundle, String name, String policy, int... configurationStates) {
        ComponentDescriptionDTO description = new ComponentDescriptionDTO();
        description.bundle = new BundleDTO();
        description.bundle.symbolicName = bundle;
        description.name = name;
        description.immediate = true;
        description.configurationPolicy = policy;
        description.configurationPid = new String[] {name};
        description.references = new ReferenceDTO[0];
        List<ComponentConfigurationDTO> configurations = new ArrayList<>();
        for (int state : configurationStates) {
            ComponentConfigurationDTO configuration = new ComponentConfigurationDTO();
            configuration.state = state;
            configuration.unsatisfiedReferences = new UnsatisfiedReferenceDTO[0];
            configurations.add(configuration);
        }
        states.put(description, configurations);
        return description;
    }

    @Test
    void anImmediateComponentIsSettledUnlessActivatingOrNotYetSeenButOneThatRequiresAConfigurationWaitsForIt() {
        assertFalse(PlatformState.settled(scr, component("heap.registry", "activating", "optional",
                ComponentConfigurationDTO.SATISFIED)), "still activating");
        assertFalse(PlatformState.settled(scr, component("heap.registry", "unseen", "optional")), "SCR not done with it");
        assertTrue(PlatformState.settled(scr, component("org.apache.felix.healthcheck.core", "servlet", "require")),
                "waits for a configuration nobody gave: where it stays (the console waited 10 s for it before)");
        assertTrue(PlatformState.settled(scr, component("heap.registry", "failed", "optional",
                ComponentConfigurationDTO.FAILED_ACTIVATION)));
        assertTrue(PlatformState.settled(scr, component("heap.registry", "active", "optional", ComponentConfigurationDTO.ACTIVE)));
        ComponentDescriptionDTO off = component("heap.registry", "off", "optional");
        disabled.add(off);
        assertTrue(PlatformState.settled(scr, off), "a disabled component is not waited for");
    }

    @Test
    void aPlatformComponentThatFailedOrWaitsIsReportedWithWhyAndOthersAreNot() {
        ComponentDescriptionDTO registry = component("heap.registry", "heap.registry.HeapRegistryComponent", "optional",
                ComponentConfigurationDTO.FAILED_ACTIVATION);
        states.get(registry).get(0).failure = "org.osgi.service.component.ComponentException: activate\n"
                + "Caused by: java.lang.IllegalStateException: MBean heap.registry already registered";
        ComponentDescriptionDTO commands = component("heap.shell", "heap.shell.HeapCommands", "optional",
                ComponentConfigurationDTO.UNSATISFIED_REFERENCE);
        ReferenceDTO allocator = new ReferenceDTO();
        allocator.name = "allocator";
        allocator.interfaceName = "heap.api.allocator.BufferAllocator";
        commands.references = new ReferenceDTO[] {allocator};
        UnsatisfiedReferenceDTO missing = new UnsatisfiedReferenceDTO();
        missing.name = "allocator";
        states.get(commands).get(0).unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {missing};
        component("heap.example", "heap.example", "require", ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION);
        component("org.apache.felix.healthcheck.core", "theirs", "optional", ComponentConfigurationDTO.FAILED_ACTIVATION);
        component("heap.secure", "heap.secure.SecureHeapComponent", "optional", ComponentConfigurationDTO.ACTIVE);
        disabled.add(component("heap.health", "heap.health.Off", "optional", ComponentConfigurationDTO.UNSATISFIED_REFERENCE));

        List<String> problems = PlatformState.problems(scr).stream().sorted().toList();
        assertEquals(List.of(
                "heap.example component heap.example waits for its configuration (heap.example)",
                "heap.registry component heap.registry.HeapRegistryComponent failed to start: "
                        + "java.lang.IllegalStateException: MBean heap.registry already registered",
                "heap.shell component heap.shell.HeapCommands waits for heap.api.allocator.BufferAllocator"), problems);
    }
}
