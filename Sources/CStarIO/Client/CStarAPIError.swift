/// An error answer from cStar (or a transport failure), with what a person needs to act on it.
public struct CStarAPIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var code: String
    public var message: String
    public var param: String?
    public var requestId: String?
    public var method: String
    public var path: String

    public init(status: Int, type: String, code: String, message: String, param: String? = nil, requestId: String? = nil, method: String, path: String) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.requestId = requestId
        self.method = method
        self.path = path
    }

    public var description: String {
        var s = "\(method) \(path) failed: HTTP \(status) \(code): \(message)"
        if let p = param { s += " (param: \(p))" }
        if let r = requestId { s += " [request \(r)]" }
        switch status {
        case 401: s += " — check CSTAR_SECRET_KEY / --api-key-file"
        case 403: s += " — the key lacks access; import, export, bulk and settings need a secret key of this team"
        default: break
        }
        return APIKey.redact(s)
    }

    /// What an answer means for the caller, decided here and nowhere else (as AsyncHTTPClient's `HTTPClientError`
    /// wraps its private code enum): callers switch on the kind, never on status numbers.
    public enum Kind: Sendable, Equatable {
        /// cStar refused what was sent as invalid (400, or 422 as the SDK maps validation errors): the records at
        /// fault are rejected with the reason, nothing is retried.
        case refused
        /// The record exists already (409), e.g. a tag or a unique key: the write is skipped, not failed.
        case conflict
        /// An idempotency key came back with a different body (409 `idempotency_key_reused`): a bug or a changed
        /// input under a resumed run, never "already exists".
        case idempotencyKeyReused
        /// The request body was over the server's limit (413): the caller splits it.
        case tooLarge
        case notFound
        case unauthorized
        case forbidden
        /// 429 after the client's own retries.
        case rateLimited
        /// 5xx after retries, or a status the spec does not name.
        case server
        case other
    }

    public var kind: Kind {
        switch status {
        case 400, 422: return .refused
        case 409: return code == "idempotency_key_reused" ? .idempotencyKeyReused : .conflict
        case 413: return .tooLarge
        case 404: return .notFound
        case 401: return .unauthorized
        case 403: return .forbidden
        case 429: return .rateLimited
        case 500...: return .server
        default: return .other
        }
    }

    public var isRetryable: Bool { kind == .rateLimited || kind == .server }

    /// Another 4xx answer about this one request (refused, conflict, too large, not found): the caller rejects
    /// the record it concerns instead of failing the run. Auth errors and rate limits are not about the record.
    public var concernsTheRequest: Bool { [.refused, .conflict, .tooLarge, .notFound, .other].contains(kind) && status < 500 }

    /// Shorthand for `kind == .refused`.
    public var isRefusal: Bool { kind == .refused }
}

/// The request could not be completed (connection refused or dropped, timeout) even after retries.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var underlying: String
    public var attempts: Int
    /// The API base the request went to, and whether no connection could be made at all.
    public var url: String = ""
    public var unreachable = false

    public init(method: String, path: String, underlying: String, attempts: Int, url: String = "", unreachable: Bool = false) {
        self.method = method
        self.path = path
        self.underlying = underlying
        self.attempts = attempts
        self.url = url
        self.unreachable = unreachable
    }

    public var description: String {
        if unreachable {
            return APIKey.redact("cannot reach the cStar API at \(url) (\(attempts) attempts): \(Self.short(underlying)). "
                                 + "Check --api-url / CSTAR_API_URL, the network and any proxy, or raise --connect-timeout.")
        }
        return APIKey.redact("\(method) \(path) failed after \(attempts) attempt(s): \(underlying)")
    }

    /// The gist of a connection error (NIO's descriptions nest several layers).
    static func short(_ text: String) -> String {
        let lower = text.lowercased()
        if lower.contains("refused") { return "connection refused" }
        if lower.contains("niossl") || lower.contains("certificate") || lower.contains("handshake") {
            return "the TLS connection failed (\(text.prefix(160)))"
        }
        if lower.contains("dns") || lower.contains("resolv") || lower.contains("getaddrinfo") || lower.contains("no address") { return "the host name does not resolve" }
        if lower.contains("timeout") || lower.contains("timed out") { return "connecting timed out" }
        if lower.contains("unreachable") { return "network unreachable" }
        return String(text.prefix(200))
    }
}
