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

    @Option(name: .long, help: ArgumentHelp("A saved target (`cstar-io profile add`): URL, team and key file. Env: CSTAR_PROFILE. Options and CSTAR_* variables win over it.", valueName: "name"),
            completion: Completions.profiles)
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("Folder for working files: checkpoints, rejects, the embedded sandbox's data.", valueName: "dir"), completion: .directory)
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
        let configuration = TargetConfiguration(apiURL: options.apiUrl, apiKeyFile: options.apiKeyFile, teamId: options.teamId,
                                                connectTimeoutSeconds: Int64(options.connectTimeout), profile: try chosenProfile(options))
        let resolution: TargetConfiguration.Resolution
        do { resolution = try await configuration.resolve(logger: logger) } catch let e as TargetError { throw UsageError(e.message) }
        switch resolution {
        case .remote(let target): return ResolvedTarget(target: target, sandbox: nil)
        case .embeddedSandbox: return try await embedded(options, logger: logger)
        }
    }

    /// `--profile`, else `CSTAR_PROFILE`; an unknown name is a usage error that lists the profiles.
    static func chosenProfile(_ options: TargetOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Profile? {
        guard let name = options.profile ?? environment[ProfileStore.variable].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        do { return try ProfileStore(environment: environment).named(name) } catch let e as ProfileError { throw UsageError(e.description) }
    }

    /// Starts the sandbox in this process on a free loopback port, with its data in the state folder.
    static func embedded(_ options: TargetOptions, logger: Logger) async throws -> ResolvedTarget {
        try PrivateFiles.prepareFolder(options.stateDir)
        let dataPath = (options.stateDir as NSString).appendingPathComponent("sandbox.sqlite")
        // The embedded server's own logs (connection shutdown and the like) are noise to a CLI user: -vv shows them.
        var serverLogger = logger
        serverLogger.logLevel = Logging.serverLogLevel
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
