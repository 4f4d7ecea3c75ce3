package heap.launcher;

import java.lang.reflect.Proxy;

/**
 * Signal handlers for the launcher's helpers (the attach client, the early-signal agent). {@code sun.misc.Signal} is
 * reached by reflection: the attach client is compiled from source at each run, and a direct use would print
 * javac's warning about it every time.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code action} when {@code signal} (INT, TERM, HUP) arrives instead of the JVM's own answer; false if it cannot. */
    static boolean on(String signal, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "heap launcher SIG" + signal;
                    });
            signalClass.getMethod("handle", signalClass, handlerClass)
                    .invoke(null, signalClass.getConstructor(String.class).newInstance(signal), handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
