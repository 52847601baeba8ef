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

    public var isRetryable: Bool { status == 429 || status >= 500 }

    /// cStar refused what was sent as invalid (400, or 422 as the SDK maps validation errors): the records at
    /// fault are rejected with the reason, nothing is retried. The one place that classifies a refusal.
    public var isRefusal: Bool { status == 400 || status == 422 }
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
