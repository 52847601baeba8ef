import CStarHash
import Foundation
import GRDB

/// The emulated cStar API: authentication, rate limits, idempotency, faults and routing, over the store.
/// Pure request → response, so the HTTP server and the tests share one implementation.
public final class SandboxAPI: Sendable {
    public let store: SandboxStore
    public let configuration: SandboxConfiguration
    let limiter: RateLimiter
    let faults: FaultInjector
    /// What was asked of this sandbox (for tests: how many bulk calls arrived, how many were replays).
    public let requests = RequestCounter()

    public init(store: SandboxStore, configuration: SandboxConfiguration) {
        self.store = store
        self.configuration = configuration
        self.limiter = RateLimiter(windowSeconds: configuration.rateLimitWindowSeconds,
                                   secretLimit: configuration.secretKeyLimit, publishableLimit: configuration.publishableKeyLimit)
        self.faults = FaultInjector(configuration.faults)
    }

    /// The answer, and whether the connection must be closed without sending it (injected drop).
    public struct Outcome: Sendable {
        public var response: SandboxResponse
        public var dropConnection: Bool
    }

    public func handle(_ request: SandboxRequest) async -> Outcome {
        let requestId = "req_" + SandboxStore.randomToken(24)
        let decision = faults.next()
        if decision.delayMs > 0 { try? await Task.sleep(for: .milliseconds(decision.delayMs)) }
        var response: SandboxResponse
        var drop = false
        do {
            response = try await route(request, requestId: requestId, fault: decision.fault)
            if decision.fault == .dropConnection { drop = true }
        } catch let e as APIError {
            response = .error(e, requestId: requestId)
        } catch {
            response = .error(.serverError(), requestId: requestId)
        }
        response.headers.append(("X-Request-Id", requestId))
        if !drop {
            requests.record(method: request.method, path: request.path, status: response.status,
                            replayed: response.headers.contains { $0.0 == "Idempotent-Replayed" && $0.1 == "true" })
        }
        return Outcome(response: response, dropConnection: drop)
    }

    // MARK: Pipeline

    struct Caller: Sendable {
        let key: String
        let teamId: String
        let secret: Bool
    }

    private func route(_ request: SandboxRequest, requestId: String, fault: Fault) async throws -> SandboxResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3, parts[0] == "api", parts[1] == "v1" else { throw APIError.routeNotFound(request.method, request.path) }
        let caller = try authenticate(request)
        let limit = limiter.consume(key: caller.key, secret: caller.secret, now: Date())
        var response = try await afterRateLimit(request, parts: parts, caller: caller, limit: limit, requestId: requestId, fault: fault)
        response.headers.append(contentsOf: limit.headers)
        return response
    }

    private func afterRateLimit(_ request: SandboxRequest, parts: [String], caller: Caller, limit: RateLimitStatus,
                                requestId: String, fault: Fault) async throws -> SandboxResponse {
        do {
            guard limit.allowed else { throw APIError.rateLimited(retryAfter: limit.retryAfter(now: Date())) }
            switch fault {
            case .rateLimited: throw APIError.rateLimited(retryAfter: 1)
            case .serverError(let status):
                throw APIError(status: status, type: "api_error", code: status == 503 ? "service_unavailable" : "internal_error",
                               message: "Injected server error (sandbox fault injection). Retry the request.")
            default: break
            }
            if parts[2] == "auth", parts.count == 4, parts[3] == "whoami", request.method == "GET" {
                return try whoami(caller, requestId: requestId)
            }
            guard parts[2] == "teams", parts.count >= 4 else { throw APIError.routeNotFound(request.method, request.path) }
            let teamId = parts[3].lowercased()
            guard teamId == caller.teamId else { throw APIError.teamAccessDenied() }
            let rest = Array(parts.dropFirst(4))
            guard let first = rest.first else { throw APIError.routeNotFound(request.method, request.path) }
            let secretOnly: Set<String> = ["import", "export", "bulk", "settings"]
            if !caller.secret {
                if secretOnly.contains(first) { throw APIError.secretKeyRequired() }
                if request.isWrite { throw APIError.publishableKeyWrite() }
            }
            let ctx = RouteContext(request: request, rest: rest, teamId: teamId, requestId: requestId, importErrors: configuration.importErrors,
                                   loseEveryNthImport: configuration.loseEveryNthImport)
            if request.isWrite, request.method != "DELETE" {
                return try await idempotent(ctx)
            }
            if request.isWrite {
                return try await store.pool.write { db in try Router(db: db, ctx: ctx).dispatch() }
            }
            return try await store.pool.read { db in try Router(db: db, ctx: ctx).dispatch() }
        } catch let e as APIError {
            return .error(e, requestId: requestId)
        }
    }

    private func authenticate(_ request: SandboxRequest) throws -> Caller {
        guard let header = request.headers["authorization"], header.hasPrefix("Bearer ") else { throw APIError.authenticationRequired() }
        let key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard key.count > 8, ["sk_live_", "sk_test_", "pk_live_", "pk_test_"].contains(where: key.hasPrefix) else {
            throw APIError.invalidKeyFormat()
        }
        guard let info = try store.keyInfo(key) else { throw APIError.invalidAPIKey() }
        return Caller(key: key, teamId: info.teamId, secret: info.kind == "secret")
    }

    private func whoami(_ caller: Caller, requestId: String) throws -> SandboxResponse {
        guard let team = try store.team(caller.teamId) else { throw APIError.invalidAPIKey() }
        return .success(.object([
            ("teamId", .string(team.id)), ("teamName", .string(team.name)), ("teamSlug", .string(team.slug)),
            ("keyType", .string(caller.secret ? "secret" : "publishable")), ("environment", .string("test")),
        ]), requestId: requestId)
    }

    /// POST and PATCH: with an Idempotency-Key, the first answer is stored in the same transaction as the work,
    /// so a replay never repeats the work and a crash never keeps the work without its answer.
    private func idempotent(_ request: RouteContext) async throws -> SandboxResponse {
        let ctx = request
        guard let key = ctx.request.headers["idempotency-key"], !key.isEmpty else {
            return try await store.pool.write { db in try Router(db: db, ctx: ctx).dispatch() }
        }
        guard key.count <= 255 else { throw APIError.invalid("Idempotency-Key", "Idempotency-Key must be at most 255 characters.") }
        // The fingerprint is of the request's meaning: the same JSON with keys in another order is the same request.
        var hasher = SHA256()
        hasher.update(ctx.request.method + " " + ctx.request.path + "\n")
        // The body is parsed once, for the fingerprint and for the handler.
        var parsed = request
        if let canonical = SJSON.parse(ctx.request.body) {
            hasher.update(canonical.encodedBytes())
            parsed.parsedBody = canonical
        } else {
            hasher.update(ctx.request.body)
        }
        let fingerprint = hasher.hexDigest()
        let teamId = ctx.teamId
        return try await store.pool.write { [parsed] db in
            let ctx = parsed
            let cutoff = Date().timeIntervalSince1970 - 24 * 3600
            if let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT fingerprint, status, headers, body FROM idempotency WHERE team_id = ? AND key = ? AND created_at >= ?"),
                                          arguments: [teamId, key, cutoff]) {
                guard (row["fingerprint"] as String) == fingerprint else {
                    throw APIError(status: 409, type: "invalid_request_error", code: "idempotency_key_reused",
                                   message: "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
                                   param: "Idempotency-Key")
                }
                let headerText: String = row["headers"]
                let headers = headerText.split(separator: "\n").compactMap { line -> (String, String)? in
                    let kv = line.split(separator: ":", maxSplits: 1)
                    return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
                }
                return SandboxResponse(status: row["status"], headers: headers + [("Idempotent-Replayed", "true")], body: row["body"])
            }
            var response = SandboxResponse(status: 500, body: Data())
            do {
                try db.inSavepoint {
                    response = try Router(db: db, ctx: ctx).dispatch()
                    return .commit
                }
            } catch let e as APIError {
                // Validation errors are answers too: the same request gets the same answer.
                response = .error(e, requestId: ctx.requestId)
            }
            if response.status < 500 {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO idempotency (team_id, key, fingerprint, status, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .execute(arguments: [teamId, key, fingerprint, response.status,
                                           response.headers.map { "\($0.0):\($0.1)" }.joined(separator: "\n"), response.body,
                                           Date().timeIntervalSince1970])
            }
            return response
        }
    }
}

/// What a route handler needs to know about the request.
struct RouteContext: Sendable {
    let request: SandboxRequest
    /// Path segments after /api/v1/teams/{teamId}.
    let rest: [String]
    let teamId: String
    let requestId: String
    var importErrors: SandboxConfiguration.ImportErrorMode = .perRecord
    var loseEveryNthImport = 0
    /// The body, when it was already parsed (for the idempotency fingerprint).
    var parsedBody: SJSON? = nil

    func body() throws -> SJSON {
        if request.body.isEmpty { return .object([]) }
        if let parsedBody { return parsedBody }
        if let fast = SJSONParser.parse(request.body) { return fast }
        do {
            return try SJSON.decodeWithFoundation(request.body)
        } catch {
            throw APIError.invalidJSON(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error { return c.debugDescription }
        return "could not parse the body"
    }

    func intQuery(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = request.query[name] else { return value }
        guard let v = Int(raw), range.contains(v) else {
            throw APIError.invalid(name, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return v
    }
}
