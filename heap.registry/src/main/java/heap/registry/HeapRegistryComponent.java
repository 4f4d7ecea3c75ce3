package heap.registry;

import heap.api.Heap;
import heap.api.allocator.BufferAllocator;
import java.time.Duration;
import java.util.Map;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The registry as the {@link BufferAllocator} service, bound to every {@link Heap} service as they come and go. */
@Component(immediate = true, configurationPid = "heap.registry", service = BufferAllocator.class)
@Designate(ocd = HeapRegistryComponent.Config.class)
public class HeapRegistryComponent extends HeapRegistry {

    @ObjectClassDefinition(name = "Heap registry", description = "Sysmem's limits and its patience with heaps")
    public @interface Config {
        @AttributeDefinition(description = "Largest buffer in bytes")
        long max_buffer_bytes() default 256L << 20;

        @AttributeDefinition(description = "Largest collection in bytes")
        long max_collection_bytes() default 1L << 30;

        @AttributeDefinition(description = "Most buffers per collection")
        int max_buffer_count() default 128;

        @AttributeDefinition(description = "How long a bound heap may take to send OnRegister before it is quarantined")
        long register_timeout_ms() default 5000;

        @AttributeDefinition(description = "How long a heap may take to answer deleteVmo before its buffer is marked lost")
        long delete_timeout_ms() default 5000;

        @AttributeDefinition(description = "After the registry starts or a heap goes away, how long an allocation no heap "
                + "fits waits for a heap to register (a bundle update) before failing with NOT_FOUND")
        long replacement_grace_ms() default 2000;
    }

    @Activate
    public HeapRegistryComponent(Config config) {
        super(limits(config));
    }

    @Modified
    void modified(Config config) {
        setLimits(limits(config));
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindHeap")
    void bindHeap(Heap heap, ServiceReference<Heap> reference, Map<String, Object> properties) {
        addHeap(heap, properties, reference.getBundle().getSymbolicName() + " " + reference.getBundle().getVersion());
    }

    void unbindHeap(Heap heap) {
        removeHeap(heap);
    }

    private static Limits limits(Config config) {
        return new Limits(config.max_buffer_bytes(), config.max_collection_bytes(), config.max_buffer_count(),
                Duration.ofMillis(config.register_timeout_ms()), Duration.ofMillis(config.delete_timeout_ms()),
                Duration.ofMillis(config.replacement_grace_ms()));
    }
}
