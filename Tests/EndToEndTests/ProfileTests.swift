import CStarSandbox
import Foundation
import Testing

/// Profiles: saved in the user's config folder, private, holding the key file's path and never the key; chosen by
/// --profile or CSTAR_PROFILE; options and CSTAR_* variables still win over them.
@Suite("End to end: profiles", .serialized)
struct ProfileTests {
    @Test(.timeLimit(.minutes(3))) func aProfileChoosesTheTargetAndTheEnvironmentStillWins() async throws {
        let dir = try CLIProcess.tempDir()
        let a = try await SandboxServer.start(dataPath: dir.appendingPathComponent("a.sqlite").path, port: 0)
        let b = try await SandboxServer.start(dataPath: dir.appendingPathComponent("b.sqlite").path, port: 0)
        defer { Task { await a.stop(); await b.stop() } }
        let config = dir.appendingPathComponent("config")
        let env = ["XDG_CONFIG_HOME": config.path]
        let key = dir.appendingPathComponent("a.key")
        try a.team.secretKey.write(to: key, atomically: true, encoding: .utf8)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key.path)
        let loose = try await CLIProcess.run(["profile", "add", "acme", "--url", a.baseURL(for: a.team), "--key-file", key.path], env: env)
        #expect(loose.status == 2 && loose.stderr.contains("chmod 600"), "a key file others can read is refused: \(loose.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        let add = try await CLIProcess.run(["profile", "add", "acme", "--url", a.baseURL(for: a.team), "--key-file", key.path], env: env)
        #expect(add.status == 0, "\(add.stderr)")

        let file = config.appendingPathComponent("cstar-io/profiles.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(key.path) && !text.contains(a.team.secretKey), "the key file is referenced, the key never copied")
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: config.appendingPathComponent("cstar-io").path)[.posixPermissions] as? Int == 0o700)
        let list = try await CLIProcess.run(["profile", "list"], env: env)
        #expect(list.stdout.contains("acme") && list.stdout.contains("name") && !list.stdout.contains(a.team.secretKey), "\(list.stdout)")

        func exports(_ s: SandboxServer) -> Int { s.api.requests.count("POST", "export").total }
        let out = dir.appendingPathComponent("c.json").path
        let state = dir.appendingPathComponent("state").path
        let viaOption = try await CLIProcess.run(["export", "customers", "--format", "json", "-o", out, "--profile", "acme", "--state-dir", state], env: env)
        #expect(viaOption.status == 0, "\(viaOption.stderr)")
        #expect(exports(a) == 1 && exports(b) == 0, "--profile acme goes to acme's team")
        #expect(!viaOption.stderr.contains("embedded"), "not the embedded sandbox")

        let viaVariable = try await CLIProcess.run(["export", "customers", "--format", "json", "-o", out, "--state-dir", state],
                                                   env: env.merging(["CSTAR_PROFILE": "acme"]) { x, _ in x })
        #expect(viaVariable.status == 0, "\(viaVariable.stderr)")
        #expect(exports(a) == 2 && exports(b) == 0, "CSTAR_PROFILE chooses it too")

        let envWins = try await CLIProcess.run(["export", "customers", "--format", "json", "-o", out, "--profile", "acme", "--state-dir", state],
                                               env: env.merging(["CSTAR_API_URL": b.baseURL(for: b.team), "CSTAR_SECRET_KEY": b.team.secretKey]) { x, _ in x })
        #expect(envWins.status == 0, "\(envWins.stderr)")
        #expect(exports(a) == 2 && exports(b) == 1, "CSTAR_API_URL and CSTAR_SECRET_KEY win over the profile")

        let unknown = try await CLIProcess.run(["export", "customers", "-o", out, "--profile", "nope", "--state-dir", state], env: env)
        #expect(unknown.status == 2 && unknown.stderr.contains("acme"), "an unknown profile is a usage error naming the known ones: \(unknown.stderr)")
        let removed = try await CLIProcess.run(["profile", "remove", "acme"], env: env)
        #expect(removed.status == 0 && FileManager.default.fileExists(atPath: key.path), "removing a profile leaves the key file alone")
    }
}
