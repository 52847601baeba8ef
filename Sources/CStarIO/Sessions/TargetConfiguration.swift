import Foundation
import Logging

/// Where a command's requests go, from its options and the environment: a cStar team (URL, secret key, team id,
/// asking `whoami` when no team is named), or — when no key is given at all — the embedded sandbox, which the
/// caller starts (the library does not link the sandbox). Mistakes are `TargetError`s that say what to set.
public struct TargetConfiguration: Sendable {
    public var apiURL: String?
    public var apiKeyFile: String?
    public var teamId: String?
    public var connectTimeoutSeconds: Int64
    /// The profile chosen (`--profile`, `CSTAR_PROFILE`): what neither an option nor the environment sets.
    public var profile: Profile?

    public init(apiURL: String?, apiKeyFile: String?, teamId: String?, connectTimeoutSeconds: Int64, profile: Profile? = nil) {
        self.profile = profile
        self.apiURL = apiURL
        self.apiKeyFile = apiKeyFile
        self.teamId = teamId
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    public enum Resolution: Sendable {
        case remote(CStarTarget)
        /// No key anywhere: run against the embedded sandbox.
        case embeddedSandbox
    }

    /// Options win over the environment (`CSTAR_API_URL`, `CSTAR_SECRET_KEY`, `CSTAR_TEAM_ID`), and both over the
    /// profile, field by field.
    public func resolve(environment env: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) async throws -> Resolution {
        let url = apiURL ?? env["CSTAR_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? profile?.url
        var keyText: String?
        let envKey = env["CSTAR_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let file = apiKeyFile ?? (envKey == nil ? profile?.keyFile : nil) {
            if let problem = PrivateFiles.keyFileProblem(file) { throw TargetError(problem) }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw TargetError("cannot read the API key file '\(file)'.")
            }
            keyText = text
        } else if let k = envKey {
            keyText = k
        }
        guard let keyText else {
            guard url == nil else {
                throw TargetError("an API URL is set but no API key: set CSTAR_SECRET_KEY, pass --api-key-file, or give the profile a --key-file.")
            }
            return .embeddedSandbox
        }
        let key = try APIKey(keyText)
        guard key.isSecret else {
            throw TargetError("the API key is a publishable key (pk_…); importing and exporting need a secret key (sk_live_ or sk_test_).")
        }
        let given = url ?? CStarAPI.defaultOrigin
        try CStarTarget.checkTransport(given)
        var base = given.hasSuffix("/") ? String(given.dropLast()) : given
        if !base.contains(CStarAPI.teamsPrefix) {
            let team = teamId ?? env["CSTAR_TEAM_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? profile?.team
            let id: String
            if let team { id = team } else { id = try await Self.whoami(origin: base, key: key, connectTimeout: connectTimeoutSeconds, logger: logger) }
            base = CStarAPI.teamBase(origin: base, teamId: id)
        }
        var target = try CStarTarget(baseURL: base, key: key)
        target.connectTimeoutSeconds = connectTimeoutSeconds
        return .remote(target)
    }

    /// The team a key belongs to (`GET /api/v1/auth/whoami`).
    static func whoami(origin: String, key: APIKey, connectTimeout: Int64, logger: Logger) async throws -> String {
        var target = try CStarTarget(baseURL: origin, key: key)
        target.connectTimeoutSeconds = connectTimeout
        let client = CStarClient(target: target, logger: logger)
        let response = try await client.send(.GET, CStarAPI.whoamiPath)
        guard let id = response.data["teamId"]?.stringValue else {
            throw NoTeamError()
        }
        return id
    }

    /// `whoami` answered without a team id: not a mistake in the options (exit 1, not 2).
    public struct NoTeamError: Error, CustomStringConvertible {
        public var description: String { "GET \(CStarAPI.whoamiPath) did not return a teamId; pass --team-id" }
    }
}
