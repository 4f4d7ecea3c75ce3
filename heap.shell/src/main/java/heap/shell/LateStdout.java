package heap.shell;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Stdout carries command output only. Once the last command has run, bundles stopping after the log service may
 * still print there (Felix EventAdmin did, when the platform ran it, at the end of a piped session): file descriptor
 * 1 is then made a copy of 2, so such lines reach stderr whatever stream they hold, and a script reading stdout
 * (`| jq .`) gets the commands' output alone.
 */
final class LateStdout {
    private static final int STDOUT = 1;
    private static final int STDERR = 2;

    private LateStdout() {
    }

    /** True when stdout is stderr from now on; false where the C library has no {@code dup2} (stdout stays). */
    static boolean toStderr() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            System.out.flush();
            return (int) dup2.invokeExact(STDERR, STDOUT) == STDOUT;
        } catch (Throwable e) {
            return false;
        }
    }
}
