package heap.shell;

import java.lang.reflect.Proxy;

/**
 * Signals the console answers itself. The JVM's own handlers end the process at once: SIGINT (Ctrl-C) without
 * asking, SIGTERM and SIGHUP by running the shutdown hooks while the framework still runs. {@code sun.misc.Signal}
 * lives in the {@code jdk.unsupported} module, which bundles do not import, so it is reached through the system
 * class loader.
 */
final class Interrupts {
    private Interrupts() {
    }

    static void onCtrlC(Runnable action) {
        if (!on("INT", action)) {
            System.err.println("note: Ctrl-C ends the platform (no signal support)");
        }
    }

    /** Runs {@code action} on the JVM's signal thread when {@code signal} (TERM, HUP, INT) arrives; false if it cannot. */
    static boolean on(String signal, Runnable action) {
        try {
            ClassLoader system = ClassLoader.getSystemClassLoader();
            Class<?> signalClass = system.loadClass("sun.misc.Signal");
            Class<?> handlerClass = system.loadClass("sun.misc.SignalHandler");
            Object handle = signalClass.getConstructor(String.class).newInstance(signal);
            Object handler = Proxy.newProxyInstance(system, new Class<?>[] {handlerClass}, (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                return method.getName().equals("toString") ? "heap console SIG" + signal : method.invoke(action, args);
            });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, handle, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
