package io.jknife.server;

/** A request that ends with an OpenAI-shaped error: status, type, code, param and an optional Retry-After. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String code, String param, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_request_error", null, null, message, null);
    }

    public static ApiException invalidField(String param, String message) {
        return new ApiException(422, "invalid_request_error", "invalid_value", param, message, null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model", message, null);
    }

    public static ApiException busy(String message, int retryAfter) {
        return new ApiException(503, "server_busy", "server_busy", null, message, retryAfter);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
