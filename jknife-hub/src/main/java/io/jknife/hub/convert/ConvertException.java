package io.jknife.hub.convert;

import java.io.IOException;
import java.util.Map;

/**
 * A conversion that cannot or did not succeed: {@link #type} is the contract's error type
 * ({@code ValidationError}, {@code ConversionFailed}, {@code FilesystemError},
 * {@code unsupported_multimodal}, {@code not_implemented}), {@link #detail} optional extra facts.
 */
public final class ConvertException extends IOException {
    private final String type;
    private final transient Map<String, Object> detail;

    public ConvertException(String type, String message) {
        this(type, message, null, null);
    }

    public ConvertException(String type, String message, Map<String, Object> detail, Throwable cause) {
        super(message, cause);
        this.type = type;
        this.detail = detail;
    }

    public String type() {
        return type;
    }

    public Map<String, Object> detail() {
        return detail;
    }
}
