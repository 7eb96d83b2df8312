package dev.reason4j.server;

/**
 * A request the server refuses, answered as OpenAI does: HTTP {@code status} and
 * {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @param param the request field at fault, or null
 * @param code  a short machine-readable reason, or null
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the field {@code param} is wrong. */
    static ApiError badParam(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, "invalid_value");
    }

    /** 400: a parameter the server does not implement, refused rather than ignored. */
    static ApiError unsupported(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, "unsupported_parameter");
    }

    static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, "invalid_request_error", message, param, code);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", message, null, "invalid_api_key");
    }

    static ApiError forbidden(String message, String param) {
        return new ApiError(403, "invalid_request_error", message, param, "forbidden");
    }

    /** 503: more requests in flight than the server's bound; the client should retry later. */
    static ApiError overloaded(int bound) {
        return new ApiError(503, "server_error", "the server is at its bound of " + bound
                + " requests in flight (--max-requests); retry later", null, "overloaded");
    }
}
