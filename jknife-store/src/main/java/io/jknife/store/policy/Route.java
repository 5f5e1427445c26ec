package io.jknife.store.policy;

/**
 * The policy's answer for one model: the engine that would run it, or why none can.
 *
 * @param engine            the chosen engine's id, or null
 * @param runtimeCompatible true when an engine was chosen
 * @param reason            why not runnable (integrity reason first), or null
 */
public record Route(String engine, boolean runtimeCompatible, String reason) {
    static Route to(EngineDescriptor e) {
        return new Route(e.id(), true, null);
    }

    static Route refused(String reason) {
        return new Route(null, false, reason);
    }
}
