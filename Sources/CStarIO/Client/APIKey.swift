import Foundation

/// A cStar API key. Its description is redacted so it cannot leak through logs, errors or string interpolation.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) throws {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard CStarAPI.keyPrefixes.contains(where: v.hasPrefix), v.count > 12 else {
            throw TargetError("the API key does not look like a cStar key (it must start with sk_live_ or sk_test_)")
        }
        self.value = v
    }

    public var isSecret: Bool { CStarAPI.secretKeyPrefixes.contains(where: value.hasPrefix) }
    public var description: String { String(value.prefix(8)) + "…(redacted)" }
    public var debugDescription: String { description }

    /// Removes anything that looks like a cStar key from a text (for error messages that echo server output).
    public static func redact(_ text: String) -> String {
        var out = text
        for prefix in CStarAPI.keyPrefixes {
            while let r = out.range(of: prefix) {
                var end = r.upperBound
                while end < out.endIndex, out[end].isLetter || out[end].isNumber { end = out.index(after: end) }
                out.replaceSubrange(r.lowerBound..<end, with: String(prefix.dropLast(1)) + "…(redacted)")
            }
        }
        return out
    }
}

/// A usage problem with the target (URL, key, team), reported before any request is sent.
public struct TargetError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where requests go: a team-scoped base URL and the key that opens it.
public struct CStarTarget: Sendable {
    /// `https://www.cstar.help/api/v1/teams/{teamId}`
    public let baseURL: String
    public let key: APIKey
    /// True for the sandbox started inside this process.
    public let isEmbeddedSandbox: Bool
    /// How long establishing a connection may take before the attempt fails (`--connect-timeout`).
    public var connectTimeoutSeconds: Int64 = 10

    public init(baseURL: String, key: APIKey, isEmbeddedSandbox: Bool = false) throws {
        try Self.checkTransport(baseURL)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.isEmbeddedSandbox = isEmbeddedSandbox
    }

    /// What identifies the team across runs: its id (cStar team ids are UUIDs), so a sandbox on another port
    /// or another host name for the same team is the same target for checkpoints and the ID map.
    public var identity: String {
        if let r = baseURL.range(of: "/teams/") {
            let id = baseURL[r.upperBound...].prefix(while: { $0 != "/" })
            if !id.isEmpty { return "team:\(id)" }
        }
        return baseURL
    }

    /// Plain http:// only to loopback: a key must never cross a network in clear text. The URL must not carry
    /// userinfo (`http://127.0.0.1@host`), and the host is judged by `isLoopbackHost` alone.
    public static func checkTransport(_ url: String) throws {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), let host = u.host?.lowercased(), !host.isEmpty else {
            throw TargetError("'\(url)' is not a valid URL")
        }
        guard u.user == nil, u.password == nil, !(url.split(separator: "/", maxSplits: 3).dropFirst().first?.contains("@") ?? false) else {
            throw TargetError("'\(url)' holds a user name or password; give the API URL without them (the key comes from CSTAR_SECRET_KEY or --api-key-file)")
        }
        if scheme == "https" { return }
        guard scheme == "http" else { throw TargetError("'\(url)': only https:// URLs are supported") }
        guard isLoopbackHost(host) else {
            throw TargetError("'\(url)' uses plain http:// to '\(host)', which is not a loopback address; use https:// (plain http is allowed only for an IP in 127.0.0.0/8, ::1 and localhost)")
        }
    }

    /// Exactly `localhost`, a dotted-quad IPv4 literal in 127.0.0.0/8 (four decimal parts, no shorthand such as
    /// `127.1` or `0x7f.1`), or the IPv6 literal `::1` (with or without brackets). Names that merely start like
    /// one (`127.0.0.1.example`, `localhost.example`) and IPv4-mapped forms are not loopback here.
    public static func isLoopbackHost(_ raw: String) -> Bool {
        let host = raw.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var octets: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0 >= "0" && $0 <= "9" }), let n = Int(p), n <= 255,
                  !(p.count > 1 && p.hasPrefix("0")) else { return false }
            octets.append(n)
        }
        return octets[0] == 127
    }
}
