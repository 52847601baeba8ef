import ArgumentParser
import CStarIO
import CStarSandbox
import Foundation
import Logging

/// Which cStar team to talk to, and with which key.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("cStar API URL: an origin (https://www.cstar.help) or a team-scoped base (…/api/v1/teams/ID). Env: CSTAR_API_URL.", valueName: "url"))
    var apiUrl: String?

    @Option(name: .long, help: ArgumentHelp("File holding the secret API key (instead of CSTAR_SECRET_KEY).", valueName: "path"))
    var apiKeyFile: String?

    @Option(name: .long, help: ArgumentHelp("cStar team id. Env: CSTAR_TEAM_ID. Discovered from the key when omitted.", valueName: "id"))
    var teamId: String?

    @Option(name: .long, help: ArgumentHelp("Folder for working files: checkpoints, rejects, the embedded sandbox's data.", valueName: "dir"))
    var stateDir: String = ".cstar-io"

    @Option(name: .long, help: ArgumentHelp("Seconds a connection to the API may take to open (refused or unknown hosts fail after 3 attempts).", valueName: "seconds"))
    var connectTimeout: Int = 10

    func validate() throws {
        guard connectTimeout >= 1 && connectTimeout <= 600 else { throw ValidationError("--connect-timeout must be between 1 and 600 seconds.") }
    }
}

/// A resolved target, and the embedded sandbox when one was started for it.
struct ResolvedTarget {
    let target: CStarTarget
    let sandbox: SandboxServer?

    func shutdown() async { await sandbox?.stop() }

    var label: String {
        if let s = sandbox { return "embedded sandbox \(s.origin) (team \(s.team.id))" }
        return target.baseURL
    }
}

enum TargetResolver {
    /// `resolve` as every command uses it: an API error (bad key, unknown team) exits 1 with its message, and
    /// the embedded sandbox is announced on stderr unless `announce` is false (quiet, or data on stdout).
    static func resolveForCommand(_ options: TargetOptions, logger: Logger, announce: Bool) async throws -> ResolvedTarget {
        let resolved: ResolvedTarget
        do {
            resolved = try await resolve(options, logger: logger)
        } catch let e as CStarAPIError {
            Console.err("error: \(e)")
            throw ExitCode(ExitCodes.failure)
        }
        if let s = resolved.sandbox, announce {
            Console.err("Using the embedded cStar sandbox at \(s.origin) (no CSTAR_SECRET_KEY set); data in \(options.stateDir)/sandbox.sqlite")
        }
        return resolved
    }

    static func resolve(_ options: TargetOptions, logger: Logger) async throws -> ResolvedTarget {
        let env = ProcessInfo.processInfo.environment
        let url = options.apiUrl ?? env["CSTAR_API_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var keyText: String?
        if let file = options.apiKeyFile {
            if let problem = PrivateFiles.keyFileProblem(file) { throw UsageError(problem) }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw UsageError("cannot read the API key file '\(file)'.")
            }
            keyText = text
        } else if let k = env["CSTAR_SECRET_KEY"], !k.isEmpty {
            keyText = k
        }
        guard let keyText else {
            guard url == nil else {
                throw UsageError("an API URL is set but no API key: set CSTAR_SECRET_KEY or pass --api-key-file.")
            }
            return try await embedded(options, logger: logger)
        }
        let key: APIKey
        do { key = try APIKey(keyText) } catch let e as TargetError { throw UsageError(e.message) }
        guard key.isSecret else {
            throw UsageError("the API key is a publishable key (pk_…); importing and exporting need a secret key (sk_live_ or sk_test_).")
        }
        let given = url ?? CStarAPI.defaultOrigin
        do {
            try CStarTarget.checkTransport(given)
        } catch let e as TargetError {
            throw UsageError(e.message)
        }
        var base = given.hasSuffix("/") ? String(given.dropLast()) : given
        if !base.contains(CStarAPI.teamsPrefix) {
            let team = options.teamId ?? env["CSTAR_TEAM_ID"].flatMap { $0.isEmpty ? nil : $0 }
            let teamId: String
            if let team { teamId = team } else { teamId = try await whoami(origin: base, key: key, connectTimeout: Int64(options.connectTimeout), logger: logger) }
            base = CStarAPI.teamBase(origin: base, teamId: teamId)
        }
        var target = try CStarTarget(baseURL: base, key: key)
        target.connectTimeoutSeconds = Int64(options.connectTimeout)
        return ResolvedTarget(target: target, sandbox: nil)
    }

    static func whoami(origin: String, key: APIKey, connectTimeout: Int64, logger: Logger) async throws -> String {
        var target = try CStarTarget(baseURL: origin, key: key)
        target.connectTimeoutSeconds = connectTimeout
        let client = CStarClient(target: target, logger: logger)
        let response = try await client.send(.GET, CStarAPI.whoamiPath)
        guard let id = response.data["teamId"]?.stringValue else {
            throw TargetError("GET \(CStarAPI.whoamiPath) did not return a teamId; pass --team-id")
        }
        return id
    }

    /// Starts the sandbox in this process on a free loopback port, with its data in the state folder.
    static func embedded(_ options: TargetOptions, logger: Logger) async throws -> ResolvedTarget {
        try PrivateFiles.prepareFolder(options.stateDir)
        let dataPath = (options.stateDir as NSString).appendingPathComponent("sandbox.sqlite")
        // The embedded server's own logs (connection shutdown and the like) are noise to a CLI user.
        var serverLogger = logger
        serverLogger.logLevel = logger.logLevel == .debug ? .debug : .critical
        let server = try await SandboxServer.start(dataPath: dataPath, logger: serverLogger)
        let target = try CStarTarget(baseURL: server.baseURL(for: server.team), key: try APIKey(server.team.secretKey), isEmbeddedSandbox: true)
        return ResolvedTarget(target: target, sandbox: server)
    }
}

/// The state folder's lock as commands take it: writers exclusively (refused with exit 2 when held), readers only
/// to say that the folder is in use.
enum StateFolderLock {
    /// The command as the holder names it (arguments only; keys never come as arguments).
    static var commandText: String {
        String(CommandLine.arguments.dropFirst().joined(separator: " ").prefix(200))
    }

    static func take(_ folder: String) throws -> StateLock {
        do {
            return try StateLock.acquire(folder: folder, command: commandText)
        } catch let e as StateLock.Busy {
            throw UsageError(e.description)
        }
    }

    /// For commands that only read the folder: a note on stderr when a writer holds it.
    static func noteIfBusy(_ folder: String, quiet: Bool) {
        guard !quiet, let holder = StateLock.holder(folder: folder) else { return }
        Console.err("note: reading the state folder '\(folder)' while \(holder) is using it; what it shows may change.")
    }
}
