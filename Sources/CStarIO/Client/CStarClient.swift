import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A decoded success answer: `data`, plus list pagination when there is one.
public struct APIResponse: Sendable {
    public var status: Int
    public var data: JSONValue
    public var hasMore: Bool?
    public var total: Int?
    public var requestId: String?
    public var replayed: Bool
}

/// Counts what the client did, for summaries.
public struct ClientStats: Sendable, Equatable {
    public var requests = 0
    public var retries = 0
    public var rateLimitWaits = 0
}

/// The HTTP clients requests go through, one per connect timeout, kept for the life of the process (like
/// `HTTPClient.shared`). A connection that cannot be made fails at once instead of being retried inside the pool
/// until the request's deadline: the client's own retry decides, with a short limit for refused or unknown hosts.
enum CStarHTTP {
    private static let clients = Mutex<[Int64: HTTPClient]>([:])

    static func client(connectTimeoutSeconds: Int64) -> HTTPClient {
        clients.withLock { all in
            if let c = all[connectTimeoutSeconds] { return c }
            var config = HTTPClient.Configuration()
            config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(connectTimeoutSeconds))
            config.connectionPool.retryConnectionEstablishment = false
            let c = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            all[connectTimeoutSeconds] = c
            return c
        }
    }

    /// Whether the request failed before reaching the server: refused, unresolvable, unreachable, or the connect
    /// timed out. Such an API is not coming back within a retry's wait, so fewer attempts are made.
    /// TLS failures (an untrusted or mismatched certificate) do not heal on their own: no retry at all.
    static func isTLSFailure(_ error: Error) -> Bool {
        let text = String(reflecting: error).lowercased()
        return text.contains("niossl") || text.contains("certificate") || text.contains("handshake")
    }

    static func isConnectFailure(_ error: Error) -> Bool {
        let text = String(reflecting: error).lowercased()
        return ["nioconnectionerror", "connecttimeout", "connection refused", "connectionrefused", "econnrefused", "dns",
                "resolv", "unreachable", "no address", "getaddrinfo"].contains { text.contains($0) }
    }
}

/// Talks to one cStar team (or the sandbox): envelopes, errors, retries with backoff, 429 waits.
public final class CStarClient: Sendable {
    public let target: CStarTarget
    let http: HTTPClient
    let logger: Logger
    public let retry: RetryPolicy
    let requestTimeout: TimeAmount
    public let budget: RequestBudget
    private let statsBox = Mutex(ClientStats())

    public init(target: CStarTarget, http: HTTPClient? = nil, retry: RetryPolicy = RetryPolicy(), logger: Logger, timeoutSeconds: Int64 = 60,
                budget: RequestBudget = RequestBudget()) {
        self.target = target
        self.http = http ?? CStarHTTP.client(connectTimeoutSeconds: target.connectTimeoutSeconds)
        self.retry = retry
        self.logger = logger
        self.requestTimeout = .seconds(timeoutSeconds)
        self.budget = budget
    }

    public var stats: ClientStats { statsBox.withLock { $0 } }

    /// Sends one API call, retrying 429 (after the server's wait), 5xx, timeouts and dropped connections.
    /// POST/PATCH carry `idempotencyKey` so a retry after a lost answer is replayed, not applied twice.
    public func send(_ verb: HTTPVerb, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
                     idempotencyKey: IdempotencyKey? = nil) async throws -> APIResponse {
        try await send(verb, path, query: query, bodyBytes: body.map(JSONSerializer.bytes), idempotencyKey: idempotencyKey)
    }

    /// The same, with a body already serialised (a caller that also hashed it for the idempotency key).
    public func send(_ verb: HTTPVerb, _ path: String, query: [(String, String)] = [], bodyBytes: [UInt8]?,
                     idempotencyKey: IdempotencyKey? = nil) async throws -> APIResponse {
        let raw = try await sendRaw(verb, path, query: query, bodyBytes: bodyBytes, idempotencyKey: idempotencyKey)
        var buffer = raw.body
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return try decodeSuccess(status: raw.status, headers: raw.headers, bytes: bytes, method: HTTPMethod(rawValue: verb.rawValue), path: path)
    }

    /// A success answer as received: status, headers and the body's bytes, not decoded.
    public struct RawAnswer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: ByteBuffer
    }

    static let maxBodyBytes = 512 * 1024 * 1024

    func makeRequest(_ method: HTTPMethod, url: String, bodyBytes: [UInt8]?, idempotencyKey: IdempotencyKey?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(target.key.value)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "cstar-io/\(CStarIOVersion.current)")
        if let b = bodyBytes {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: b))
        }
        if let k = idempotencyKey { request.headers.add(name: "Idempotency-Key", value: k.value) }
        return request
    }

    func makeURL(_ path: String, query: [(String, String)]) -> String {
        var url = target.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        return url
    }

    /// `send` without decoding the success answer (errors, retries and waits the same): for callers that read a
    /// large body piece by piece (export windows) instead of as one parsed document.
    public func sendRaw(_ verb: HTTPVerb, _ path: String, query: [(String, String)] = [], bodyBytes: [UInt8]?,
                        idempotencyKey: IdempotencyKey? = nil) async throws -> RawAnswer {
        let method = HTTPMethod(rawValue: verb.rawValue)
        let url = makeURL(path, query: query)
        var failures = 0
        var rateWaits = 0
        while true {
            let request = makeRequest(method, url: url, bodyBytes: bodyBytes, idempotencyKey: idempotencyKey)
            try await budget.acquire()
            statsBox.withLock { $0.requests += 1 }
            let status: Int
            let headers: HTTPHeaders
            var buffer: ByteBuffer
            do {
                let response = try await http.execute(request, timeout: requestTimeout)
                status = Int(response.status.code)
                headers = response.headers
                await budget.update(limit: headers.first(name: "X-RateLimit-Limit"), remaining: headers.first(name: "X-RateLimit-Remaining"),
                                    reset: headers.first(name: "X-RateLimit-Reset"), window: headers.first(name: "X-RateLimit-Window"))
                buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            } catch {
                if error is CancellationError { throw error }
                failures += 1
                let unreachable = CStarHTTP.isConnectFailure(error) || CStarHTTP.isTLSFailure(error)
                let limit = CStarHTTP.isTLSFailure(error) ? 1 : unreachable ? min(retry.maxAttempts, retry.maxConnectAttempts) : retry.maxAttempts
                guard failures < limit else {
                    throw TransportError(method: method.rawValue, path: path, underlying: "\(error)", attempts: failures,
                                         url: target.baseURL, unreachable: unreachable)
                }
                let wait = retry.backoff(attempt: failures)
                logger.warning("request failed, retrying", metadata: ["request": "\(method.rawValue) \(path)", "error": "\(error)", "wait": "\(wait)"])
                statsBox.withLock { $0.retries += 1 }
                try await retry.sleep(wait)
                continue
            }
            if status < 400 {
                return RawAnswer(status: status, headers: headers, body: buffer)
            }
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let apiError = decodeError(status: status, headers: headers, bytes: bytes, method: method, path: path)
            if status == 429 {
                rateWaits += 1
                guard rateWaits <= retry.maxRateLimitWaits else { throw apiError.error }
                let wait = RetryPolicy.rateLimitDelay(retryAfterHeader: headers.first(name: "Retry-After"), bodyRetryAfter: apiError.retryAfter,
                                                      resetHeader: headers.first(name: "X-RateLimit-Reset"))
                logger.notice("rate limited, waiting", metadata: ["request": "\(method.rawValue) \(path)", "wait": "\(wait)"])
                statsBox.withLock { $0.retries += 1; $0.rateLimitWaits += 1 }
                try await retry.sleep(wait)
                continue
            }
            if status >= 500 {
                failures += 1
                guard failures < retry.maxAttempts else { throw apiError.error }
                let wait = retry.backoff(attempt: failures)
                logger.warning("server error, retrying", metadata: ["request": "\(method.rawValue) \(path)", "status": "\(status)", "wait": "\(wait)"])
                statsBox.withLock { $0.retries += 1 }
                try await retry.sleep(wait)
                continue
            }
            throw apiError.error
        }
    }

    /// A success answer whose head has arrived and whose body has not been read yet (it waits in the connection).
    public struct PendingAnswer: Sendable {
        let response: HTTPClientResponse
        public var status: Int { Int(response.status.code) }
        public var headers: HTTPHeaders { response.headers }

        /// Reads the body; throws when the connection fails on the way.
        public func body() async throws -> ByteBuffer { try await response.body.collect(upTo: CStarClient.maxBodyBytes) }
    }

    /// One attempt at a request, returning as soon as the head of a success answer arrives: the server has done
    /// its work, the body is read later. No retry and no wait: nil for an answer that is not a success or a request
    /// that failed, and the caller sends it again through `sendRaw` (which retries, waits and reports errors).
    /// Export windows use it to have the server prepare the next window while the last is written.
    public func sendHead(_ verb: HTTPVerb, _ path: String, bodyBytes: [UInt8]?) async -> PendingAnswer? {
        let request = makeRequest(HTTPMethod(rawValue: verb.rawValue), url: makeURL(path, query: []), bodyBytes: bodyBytes, idempotencyKey: nil)
        do {
            try await budget.acquire()
            statsBox.withLock { $0.requests += 1 }
            let response = try await http.execute(request, timeout: requestTimeout)
            let headers = response.headers
            await budget.update(limit: headers.first(name: "X-RateLimit-Limit"), remaining: headers.first(name: "X-RateLimit-Remaining"),
                                reset: headers.first(name: "X-RateLimit-Reset"), window: headers.first(name: "X-RateLimit-Window"))
            guard response.status.code < 400 else { return nil }
            return PendingAnswer(response: response)
        } catch {
            return nil
        }
    }

    func decodeSuccess(status: Int, headers: HTTPHeaders, bytes: [UInt8], method: HTTPMethod, path: String) throws -> APIResponse {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, name: "\(method.rawValue) \(path)")
        } catch {
            throw CStarAPIError(status: status, type: "api_error", code: "invalid_response", message: "the answer is not JSON: \(error)",
                                param: nil, requestId: headers.first(name: "X-Request-Id"), method: method.rawValue, path: path)
        }
        // Current envelope {success, data, meta}; tolerate a bare object too.
        let data = json["data"] ?? json
        let meta = json["meta"]
        let pagination = meta?["pagination"] ?? json["pagination"]
        var hasMore = pagination?["hasMore"]?.boolValue
        let total = pagination?["total"]?.intValue.map(Int.init)
        if hasMore == nil, let p = pagination {
            if let page = p["page"]?.intValue, let pages = p["totalPages"]?.intValue { hasMore = page < pages }
            else if let page = p["page"]?.intValue, let size = p["pageSize"]?.intValue, let t = p["total"]?.intValue { hasMore = page * size < t }
        }
        return APIResponse(status: status, data: data, hasMore: hasMore, total: total,
                           requestId: meta?["requestId"]?.stringValue ?? headers.first(name: "X-Request-Id"),
                           replayed: headers.first(name: "Idempotent-Replayed") == "true")
    }

    func decodeError(status: Int, headers: HTTPHeaders, bytes: [UInt8], method: HTTPMethod, path: String) -> (error: CStarAPIError, retryAfter: Int64?) {
        let json = try? JSONParser.parse(bytes)
        let e = json?["error"]
        let err = CStarAPIError(
            status: status,
            type: e?["type"]?.stringValue ?? "api_error",
            code: e?["code"]?.stringValue ?? "http_\(status)",
            message: e?["message"]?.stringValue ?? String(decoding: bytes.prefix(300), as: UTF8.self),
            param: e?["param"]?.stringValue ?? e?["field"]?.stringValue,
            requestId: e?["request_id"]?.stringValue ?? json?["meta"]?["requestId"]?.stringValue ?? headers.first(name: "X-Request-Id"),
            method: method.rawValue, path: path)
        return (err, e?["retryAfter"]?.intValue)
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// The HTTP methods the cStar API uses.
public enum HTTPVerb: String, Sendable {
    case GET, POST, PATCH, DELETE
}

public enum CStarIOVersion {
    public static let current = "0.1.0"
}

extension CStarClient {
    /// Every item of a paginated list, page by page (100 per request), in the API's order.
    public func forEachListed(_ path: String, query: [(String, String)] = [], _ body: (JSONValue) async throws -> Void) async throws {
        var page = 1
        while true {
            let response = try await send(.GET, path, query: query + [("page", String(page)), ("pageSize", String(CStarAPI.maxPageSize))])
            let items = response.data.arrayValue ?? []
            for item in items { try await body(item) }
            guard response.hasMore ?? (items.count == CStarAPI.maxPageSize), !items.isEmpty else { return }
            page += 1
        }
    }
}
