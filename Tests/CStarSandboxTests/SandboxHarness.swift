import AsyncHTTPClient
import CStarSandbox
import Foundation
import NIOCore
import NIOHTTP1

/// A sandbox with its own SQLite file, and request helpers. Most rule tests go through the router in-process
/// (`SandboxAPI.handle`, exactly what the HTTP server calls); `http: true` serves it on a free loopback port for
/// what only HTTP shows (concurrent connections, dropped connections, bodies refused from their headers).
/// Answers are parsed with Foundation's JSONSerialization: independent of both the client and the sandbox.
struct SandboxHarness {
    let api: SandboxAPI
    let teams: [SandboxTeam]
    /// The HTTP server, for `http: true`.
    let httpServer: SandboxServer?
    let dataPath: String

    static func start(_ configure: (inout SandboxConfiguration) -> Void = { _ in }, dataPath: String? = nil,
                      http: Bool = false) async throws -> SandboxHarness {
        var config = SandboxConfiguration()
        configure(&config)
        let path = dataPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString).sqlite").path
        if http {
            let server = try await SandboxServer.start(dataPath: path, port: 0, configuration: config)
            return SandboxHarness(api: server.api, teams: server.teams, httpServer: server, dataPath: path)
        }
        let store = try SandboxStore(path: path)
        let teams = try store.ensureTeams(count: config.teams)
        return SandboxHarness(api: SandboxAPI(store: store, configuration: config), teams: teams, httpServer: nil, dataPath: path)
    }

    var team: SandboxTeam { teams[0] }
    /// The team-scoped path prefix, below an origin (in-process requests carry paths only).
    var teamPath: String { "/api/v1/teams/\(team.id)" }
    var base: String { (httpServer?.origin ?? "") + teamPath }

    func stop() async { await httpServer?.stop() }

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        /// In-process: the sandbox chose to drop the connection (an injected fault) instead of answering.
        var dropped = false
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        var data: Any? { json["data"] }
        var dataObject: [String: Any] { json["data"] as? [String: Any] ?? [:] }
        var dataArray: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var errorCode: String? { error["code"] as? String }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// Sends a request to a path below the origin (`/api/v1/...`) or, without a leading `/api`, below the team base.
    func request(_ method: HTTPMethod, _ path: String, key: String? = nil, json body: Any? = nil, raw: String? = nil,
                 headers: [(String, String)] = [], useDefaultKey: Bool = true) async throws -> Answer {
        var fields: [(String, String)] = []
        if let k = key ?? (useDefaultKey ? team.secretKey : nil) { fields.append(("Authorization", "Bearer \(k)")) }
        fields += headers
        var bytes: [UInt8]?
        if let body {
            fields.append(("Content-Type", "application/json"))
            bytes = Array(try JSONSerialization.data(withJSONObject: body))
        } else if let raw {
            fields.append(("Content-Type", "application/json"))
            bytes = Array(raw.utf8)
        }
        let target = path.hasPrefix("/api") ? path : teamPath + path
        guard let server = httpServer else {
            var canonical: [String: String] = [:]
            for (n, v) in fields { canonical[n.lowercased()] = v }
            let (p, query) = SandboxRequest.split(uri: target)
            let outcome = await api.handle(SandboxRequest(method: method.rawValue, path: p, query: query, headers: canonical,
                                                          body: Data(bytes ?? [])))
            var h = HTTPHeaders()
            for (n, v) in outcome.response.headers { h.add(name: n, value: v) }
            return Answer(status: outcome.response.status, headers: h, body: Array(outcome.response.body), dropped: outcome.dropConnection)
        }
        var req = HTTPClientRequest(url: server.origin + target)
        req.method = method
        for (n, v) in fields { req.headers.add(name: n, value: v) }
        if let bytes { req.body = .bytes(ByteBuffer(bytes: bytes)) }
        // Generous: the whole test bundle runs in parallel, and on 2 cores dozens of child processes compete with this server.
        let response = try await HTTPClient.shared.execute(req, timeout: .seconds(120))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    static func customers(_ n: Int, prefix: String = "user") -> [[String: Any]] {
        (0..<n).map { ["name": "Customer \($0)", "email": "\(prefix)\($0)@example.com"] }
    }
}
