package io.jknife.engine;

/**
 * A request asked for something the engine cannot do (e.g. grammar-constrained sampling). Callers
 * turn it into a client error naming the engine, never a silent fallback.
 */
public class UnsupportedFeatureException extends EngineException {
    private final String engine;
    private final String feature;

    public UnsupportedFeatureException(String engine, String feature) {
        super("The " + engine + " engine does not support " + feature);
        this.engine = engine;
        this.feature = feature;
    }

    public String engine() {
        return engine;
    }

    public String feature() {
        return feature;
    }
}
