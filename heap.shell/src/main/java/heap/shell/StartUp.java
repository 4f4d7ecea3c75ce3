package heap.shell;

import heap.api.allocator.BufferAllocator;
import heap.api.allocator.HeapState;
import heap.api.allocator.QuotaStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/** The platform as the console opens: waiting for it to be whole, then saying what did not start. */
final class StartUp {
    private final BundleContext context;
    private final ServiceComponentRuntime components;
    private final Supplier<BufferAllocator> allocator;
    private final List<DeployFolder.ConfigFile> deployed;

    /** {@code allocator}: the console's view of the registry, null while there is none. */
    StartUp(BundleContext context, ServiceComponentRuntime components, Supplier<BufferAllocator> allocator) {
        this.context = context;
        this.components = components;
        this.allocator = allocator;
        this.deployed = DeployFolder.configFiles(context);
    }

    /**
     * Waits (at most 10 s) until the framework and every bundle meant to start have started, SCR has settled every
     * immediate component of every started bundle, every configuration file in deploy/ is in effect, and the
     * registry has heard from every heap: the first command sees the whole platform.
     */
    void await() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !(context.getBundle(0).getState() == Bundle.ACTIVE
                && PlatformState.everyBundleStarted(context) && PlatformState.componentsSettled(components, context)
                && DeployFolder.inEffect(deployed, components, quotaPids()) && noHeapPending())) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The quota configurations the registry lists (in force or refused); null without a registry. */
    private Set<String> quotaPids() {
        BufferAllocator registry = allocator.get();
        return registry == null ? null
                : registry.quotas().stream().map(QuotaStatus::pid).collect(Collectors.toSet());
    }

    /**
     * Without a registry there is nothing to wait for (its absence is reported once the components settled); with
     * one, its view reaches the console a moment after it is registered.
     */
    private boolean noHeapPending() {
        BufferAllocator registry = allocator.get();
        if (registry == null) {
            return context.getServiceReference(BufferAllocator.class) == null;
        }
        return registry.heaps().stream().noneMatch(status -> status.state() == HeapState.PENDING);
    }

    /**
     * One line on stderr per platform component that is enabled but not running once the platform settled (its
     * configuration refused by SCR, a reference missing, its constructor failed), one per configuration file in
     * deploy/ that nothing takes, and one if no registry offers BufferAllocator: what an operator would otherwise
     * find only with {@code scr:info} or never.
     */
    void report(PrintStream err) {
        for (String problem : PlatformState.problems(components)) {
            err.println("warning: " + problem);
        }
        for (String unused : DeployFolder.unused(deployed, components, context)) {
            err.println("warning: " + unused);
        }
        if (allocator.get() == null) {
            err.println("warning: no BufferAllocator: the registry (heap.registry) is not running, so the heap "
                    + "commands are not there; scr:info heap.registry.HeapRegistryComponent says why");
        }
    }
}
