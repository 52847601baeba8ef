import AsyncHTTPClient
import CStarSandbox
import Foundation
import NIOCore
import NIOHTTP1

/// A sandbox on a free loopback port with its own SQLite file, and raw HTTP helpers.
/// Answers are parsed with Foundation's JSONSerialization: independent of both the client and the sandbox.
struct SandboxHarness {
    let server: SandboxServer
    let dataPath: String

    static func start(_ configure: (inout SandboxConfiguration) -> Void = { _ in }, dataPath: String? = nil) async throws -> SandboxHarness {
        var config = SandboxConfiguration()
        configure(&config)
        let path = dataPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString).sqlite").path
        let server = try await SandboxServer.start(dataPath: path, port: 0, configuration: config)
        return SandboxHarness(server: server, dataPath: path)
    }

    var team: SandboxTeam { server.team }
    var base: String { server.baseURL(for: server.team) }

    func stop() async { await server.stop() }

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
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
        let url = path.hasPrefix("/api") ? server.origin + path : base + path
        var req = HTTPClientRequest(url: url)
        req.method = method
        if let k = key ?? (useDefaultKey ? team.secretKey : nil) { req.headers.add(name: "Authorization", value: "Bearer \(k)") }
        for (n, v) in headers { req.headers.add(name: n, value: v) }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        } else if let raw {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: raw))
        }
        // Generous: the whole test bundle runs in parallel, and on 2 cores dozens of child processes compete with this server.
        let response = try await HTTPClient.shared.execute(req, timeout: .seconds(120))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    static func customers(_ n: Int, prefix: String = "user") -> [[String: Any]] {
        (0..<n).map { ["name": "Customer \($0)", "email": "\(prefix)\($0)@example.com"] }
    }
}
