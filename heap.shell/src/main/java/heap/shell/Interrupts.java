package heap.shell;

import java.lang.reflect.Proxy;

/**
 * Ctrl-C at the console. The JVM's own SIGINT handler would end the process at once; the console replaces it, as a
 * shell does. {@code sun.misc.Signal} lives in the {@code jdk.unsupported} module, which bundles do not import, so it
 * is reached through the system class loader.
 */
final class Interrupts {
    private Interrupts() {
    }

    static void onCtrlC(Runnable action) {
        try {
            ClassLoader system = ClassLoader.getSystemClassLoader();
            Class<?> signalClass = system.loadClass("sun.misc.Signal");
            Class<?> handlerClass = system.loadClass("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("INT");
            Object handler = Proxy.newProxyInstance(system, new Class<?>[] {handlerClass}, (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                return method.getName().equals("toString") ? "heap console Ctrl-C" : method.invoke(action, args);
            });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("note: Ctrl-C ends the platform (no signal support: " + e + ")");
        }
    }
}
