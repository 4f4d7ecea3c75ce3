package heap.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;
import org.junit.jupiter.api.Test;

/**
 * What the console makes of SCR's state as it opens: when it stops waiting, and what it reports as not started
 * (SCR a {@link StandInScr}).
 */
class PlatformStateTest {
    private final StandInScr scr = new StandInScr();
    private final Map<ComponentDescriptionDTO, List<ComponentConfigurationDTO>> states = scr.states;
    private final List<ComponentDescriptionDTO> disabled = scr.disabled;

    private ComponentDescriptionDTO component(String bundle, String name, String policy, int... configurationStates) {
        return scr.component(bundle, name, policy, configurationStates);
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
