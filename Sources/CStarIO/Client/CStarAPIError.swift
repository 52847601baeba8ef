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
}

/// The request could not be completed (connection refused or dropped, timeout) even after retries.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var underlying: String
    public var attempts: Int
    public var description: String { APIKey.redact("\(method) \(path) failed after \(attempts) attempt(s): \(underlying)") }
}
