package heap.api.internal;

import static org.junit.jupiter.api.Assertions.assertNull;

import heap.api.vmo.Collector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * heap.api refreshed away in a framework must not stay in memory: once its bundle stopped, no thread runs its code
 * and no thread-local value is one of its objects (a thread's map holds values strongly, and a value's class holds
 * its class loader). The classes are loaded a second time, in a loader of their own, as a framework would.
 */
class ClassUnloadingTest {

    @Test
    void stoppedHeapApiLeavesNoThreadOrThreadLocalThatKeepsItsClasses() throws Exception {
        WeakReference<ClassLoader> loader = useAndStopInLoaderOfItsOwn();
        Collector.gcUntil(() -> loader.get() == null, 100);
        assertNull(loader.get(), "heap.api's classes are still reachable after its detector stopped");
    }

    /** Maps and closes a VMO of a second copy of heap.api on this thread, every object watched, then stops it. */
    private static WeakReference<ClassLoader> useAndStopInLoaderOfItsOwn() throws Exception {
        URL classes = VmoObject.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader copy = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
                Arena arena = Arena.ofConfined()) {
            Class<?> objects = copy.loadClass(VmoObject.class.getName());
            Class<?> levels = copy.loadClass("heap.api.spi.LeakDetection");
            objects.getMethod("setLeakDetection", levels).invoke(null, enumConstant(levels, "PARANOID"));
            Object vmo = objects.getMethod("root", long.class, MemorySegment.class, OptionalLong.class, Runnable.class)
                    .invoke(null, 4096L, arena.allocate(4096), OptionalLong.empty(), (Runnable) () -> { });
            Class<?> vmos = copy.loadClass("heap.api.vmo.Vmo");
            Object mapping = vmos.getMethod("map", long.class, long.class, boolean.class).invoke(vmo, 0L, 4096L, true);
            copy.loadClass("heap.api.vmo.VmoMapping").getMethod("close").invoke(mapping);
            vmos.getMethod("close").invoke(vmo);
            Method stop = copy.loadClass(LeakWatcher.class.getName()).getDeclaredMethod("stopDetector");
            stop.setAccessible(true);
            stop.invoke(null);
            return new WeakReference<>(copy);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }
}
