package dev.tpb.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * SIGINT/SIGTERM handlers (through jdk.unsupported's sun.misc.Signal, looked up reflectively so that the build
 * stays free of internal-API warnings). With them installed the JVM does not exit on those signals; the
 * command shuts down in order and exits 0.
 */
final class Signals {
    private Signals() {
    }

    /** Installs {@code action} for INT and TERM; returns false when the JVM does not allow it (e.g. -Xrs). */
    static boolean onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            InvocationHandler call = (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "tpb termination handler";
                    default -> null;
                };
            };
            Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler}, call);
            for (String name : new String[] {"INT", "TERM"}) {
                Object sig = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handler).invoke(null, sig, proxy);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
