import Foundation

/// An error answer of the emulated API, in cStar's Stripe-style shape.
public struct APIError: Error, Sendable {
    public var status: Int
    public var type: String
    public var code: String
    public var message: String
    public var param: String?
    public var retryAfter: Int?

    public init(status: Int, type: String, code: String, message: String, param: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.retryAfter = retryAfter
    }

    static func authenticationRequired() -> APIError {
        APIError(status: 401, type: "authentication_error", code: "authentication_required",
                 message: "Authentication required. Send 'Authorization: Bearer <key>'.")
    }
    static func invalidKeyFormat() -> APIError {
        APIError(status: 401, type: "authentication_error", code: "invalid_key_format",
                 message: "API keys start with sk_live_, sk_test_, pk_live_ or pk_test_.")
    }
    static func invalidAPIKey() -> APIError {
        APIError(status: 401, type: "authentication_error", code: "invalid_api_key", message: "Invalid or expired API key.")
    }
    static func publishableKeyWrite() -> APIError {
        APIError(status: 403, type: "authorization_error", code: "publishable_key_write",
                 message: "Publishable keys are read-only. Use a secret key for writes.")
    }
    static func secretKeyRequired() -> APIError {
        APIError(status: 403, type: "authorization_error", code: "insufficient_permissions", message: "Secret key required for this endpoint")
    }
    static func teamAccessDenied() -> APIError {
        APIError(status: 403, type: "authorization_error", code: "team_access_denied", message: "This API key does not belong to this team.")
    }
    static func notFound(_ what: String) -> APIError {
        APIError(status: 404, type: "not_found_error", code: "RESOURCE_MISSING", message: "\(what) not found")
    }
    static func routeNotFound(_ method: String, _ path: String) -> APIError {
        APIError(status: 404, type: "not_found_error", code: "route_not_found", message: "No route for \(method) \(path)")
    }
    static func missing(_ param: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", code: "parameter_missing", message: "The '\(param)' field is required.", param: param)
    }
    static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", code: "parameter_invalid", message: message, param: param)
    }
    static func invalidJSON(_ detail: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", code: "invalid_json", message: "The request body is not valid JSON: \(detail)")
    }
    static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: 429, type: "rate_limit_error", code: "rate_limit_exceeded",
                 message: "Rate limit exceeded. Try again in \(retryAfter) seconds.", retryAfter: retryAfter)
    }
    static func serverError() -> APIError {
        APIError(status: 500, type: "api_error", code: "internal_error", message: "An unexpected error occurred. Retry the request.")
    }
}
