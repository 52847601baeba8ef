import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Request context for the sandbox: keeps the channel so an injected fault can drop the connection.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

struct DroppedConnection: Error {}

/// A running sandbox: the emulated API served over HTTP on loopback.
public final class SandboxServer: Sendable {
    public let api: SandboxAPI
    public let teams: [SandboxTeam]
    public let host: String
    public let port: Int
    private let task: Task<Void, any Error>

    private init(api: SandboxAPI, teams: [SandboxTeam], host: String, port: Int, task: Task<Void, any Error>) {
        self.api = api
        self.teams = teams
        self.host = host
        self.port = port
        self.task = task
    }

    /// `http://127.0.0.1:PORT`
    public var origin: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    /// The first team, the one the embedded default uses.
    public var team: SandboxTeam { teams[0] }
    /// Team-scoped base URL, as cStar's `https://www.cstar.help/api/v1/teams/{teamId}`.
    public func baseURL(for team: SandboxTeam) -> String { "\(origin)/api/v1/teams/\(team.id)" }

    /// Opens (or creates) the data file and serves it on `host:port` (port 0 picks a free port).
    public static func start(dataPath: String, host: String = "127.0.0.1", port: Int = 0,
                             configuration: SandboxConfiguration = SandboxConfiguration(),
                             logger: Logger? = nil) async throws -> SandboxServer {
        let store = try SandboxStore(path: dataPath)
        let teams = try store.ensureTeams(count: configuration.teams)
        let api = SandboxAPI(store: store, configuration: configuration)
        let maxBody = configuration.maxBodyBytes
        let responder = CallbackResponder<SandboxRequestContext> { request, context in
            try await Self.respond(api: api, request: request, context: context, maxBody: maxBody)
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        // Without a logger, stay silent: HTTP server chatter (connection shutdown and the like) is noise.
        let serverLogger = logger ?? {
            var l = Logger(label: "cstar.sandbox")
            l.logLevel = .critical
            return l
        }()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "cstar-sandbox"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? port)
                portContinuation.finish()
            },
            logger: serverLogger)
        let task = Task {
            // A server that cannot bind (the port is in use) ends the wait for its port instead of leaving it hanging.
            defer { portContinuation.finish() }
            try await app.run()
        }
        var bound: Int?
        for await p in portStream { bound = p }
        guard let actualPort = bound else {
            task.cancel()
            var reason = "the server stopped before listening"
            do { try await task.value } catch { reason = "\(error)" }
            throw SandboxStartError(message: "The sandbox could not listen on \(host):\(port): \(reason). Is the port in use? Pick another with --port, or 0 for a free one.")
        }
        return SandboxServer(api: api, teams: teams, host: host, port: actualPort, task: task)
    }

    /// Stops serving and waits until the server has shut down.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    static func respond(api: SandboxAPI, request: Request, context: SandboxRequestContext, maxBody: Int) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let (path, query) = SandboxRequest.split(uri: request.uri.string)
        let body: Data
        func tooLarge() -> Response {
            let e = APIError(status: 413, type: "invalid_request_error", code: "request_too_large",
                             message: "The request body is larger than \(maxBody) bytes.")
            return httpResponse(.error(e, requestId: "req_" + SandboxStore.randomToken(24)))
        }
        // A body announced larger than the limit is refused from the headers, before any of it is read.
        if let announced = request.headers[.contentLength].flatMap({ Int($0) }), announced > maxBody { return tooLarge() }
        do {
            let buffer = try await request.body.collect(upTo: maxBody)
            body = Data(buffer.readableBytesView)
        } catch {
            return tooLarge()
        }
        let outcome = await api.handle(SandboxRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: body))
        if outcome.dropConnection {
            try? await context.channel.close()
            throw DroppedConnection()
        }
        return httpResponse(outcome.response)
    }

    static func httpResponse(_ r: SandboxResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in r.headers {
            if let n = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: n, value: value)) }
        }
        return Response(status: .init(code: r.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: r.body)))
    }
}

public struct SandboxStartError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
