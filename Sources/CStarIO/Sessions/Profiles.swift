import Foundation

/// A named cStar target: URL, team and the path of a key file (never the key itself). Kept in
/// `$XDG_CONFIG_HOME/cstar-io/profiles.json` (or `~/.config/cstar-io/`), 0600, by `ProfileStore`.
public struct Profile: Sendable, Equatable {
    public var name: String
    public var url: String
    public var team: String?
    public var keyFile: String?

    public init(name: String, url: String, team: String? = nil, keyFile: String? = nil) {
        self.name = name
        self.url = url
        self.team = team
        self.keyFile = keyFile
    }

    public var json: JSONValue {
        .object(JSONObject([("name", .string(name)), ("url", .string(url)), ("team", team.map { .string($0) } ?? .null),
                            ("keyFile", keyFile.map { .string($0) } ?? .null)]))
    }
}

public struct ProfileError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// The profiles file. Names are letters, digits, `-`, `_` and `.`; a key file must exist and be private when added.
public struct ProfileStore: Sendable {
    /// The environment variable naming the profile when `--profile` is not given.
    public static let variable = "CSTAR_PROFILE"
    public let path: String

    public init(path: String) { self.path = path }

    /// `$XDG_CONFIG_HOME/cstar-io/profiles.json`, else `~/.config/cstar-io/profiles.json`.
    public init(environment env: [String: String] = ProcessInfo.processInfo.environment) {
        let base: String
        if let x = env["XDG_CONFIG_HOME"], !x.isEmpty { base = x } else {
            base = ((env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        }
        path = ((base as NSString).appendingPathComponent("cstar-io") as NSString).appendingPathComponent("profiles.json")
    }

    public func all() throws -> [Profile] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ProfileError("cannot read the profiles file '\(path)': \(error.localizedDescription)") }
        guard let list = (try? JSONParser.parse(text))?["profiles"]?.arrayValue else {
            throw ProfileError("the profiles file '\(path)' is not a cstar-io profiles file (expected {\"profiles\": [...]}).")
        }
        return list.compactMap { p in
            guard let name = p["name"]?.stringValue, let url = p["url"]?.stringValue else { return nil }
            return Profile(name: name, url: url, team: p["team"]?.stringValue, keyFile: p["keyFile"]?.stringValue)
        }
    }

    public func named(_ name: String) throws -> Profile {
        let profiles = try all()
        guard let p = profiles.first(where: { $0.name == name }) else {
            let known = profiles.map(\.name)
            throw ProfileError("no profile '\(name)' in \(path)" + (known.isEmpty ? "; add one with: cstar-io profile add \(name) --url URL --key-file PATH"
                                                                              : "; the profiles are \(known.joined(separator: ", "))."))
        }
        return p
    }

    /// Adds (or with `replace`, replaces) a profile. The key file is checked and referenced by its absolute path.
    public func add(_ profile: Profile, replace: Bool) throws -> Profile {
        guard !profile.name.isEmpty, profile.name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }) else {
            throw ProfileError("a profile name is letters, digits, '-', '_' and '.'; got '\(profile.name)'.")
        }
        var p = profile
        if let file = p.keyFile {
            let absolute = file.hasPrefix("/") ? file : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(file)
            guard FileManager.default.isReadableFile(atPath: absolute) else { throw ProfileError("cannot read the key file '\(file)'.") }
            if let problem = PrivateFiles.keyFileProblem(absolute) { throw ProfileError(problem) }
            p.keyFile = (absolute as NSString).standardizingPath
        }
        var profiles = try all()
        if let i = profiles.firstIndex(where: { $0.name == p.name }) {
            guard replace else { throw ProfileError("a profile '\(p.name)' exists; pass --force to replace it.") }
            profiles[i] = p
        } else {
            profiles.append(p)
        }
        try save(profiles)
        return p
    }

    public func remove(_ name: String) throws {
        var profiles = try all()
        guard profiles.contains(where: { $0.name == name }) else { _ = try named(name); return }
        profiles.removeAll { $0.name == name }
        try save(profiles)
    }

    func save(_ profiles: [Profile]) throws {
        try PrivateFiles.prepareFolder((path as NSString).deletingLastPathComponent)
        let text = JSONSerializer.string(.object(JSONObject([("profiles", .array(profiles.map(\.json)))])))
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ProfileError("cannot write the profiles file '\(path)'.")
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }
}
