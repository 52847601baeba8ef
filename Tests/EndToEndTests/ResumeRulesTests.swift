import CStarIO
import CStarSandbox
import Foundation
import Testing

@Suite("End to end: resume rules and status")
struct ResumeRulesTests {
    @Test func aChangedExportIsRefusedUnlessRestart() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("s.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        // An unfinished run for this export and team whose fingerprint no longer matches (as after editing a file).
        let store = try CheckpointStore(path: state.appendingPathComponent("checkpoints.sqlite").path)
        let source = CLIProcess.repoRoot.appendingPathComponent("Samples/zendesk").standardizedFileURL.path
        _ = try store.startRun(fingerprint: "stale", source: source, target: "team:\(server.team.id)")
        let env = ["CSTAR_SECRET_KEY": server.team.secretKey]
        let refused = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", server.baseURL(for: server.team), "--state-dir", state.path], env: env)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("changed since"))
        #expect(refused.stderr.contains("--restart"))
        #expect(try await SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey).all("/customers").isEmpty, "nothing was sent")

        let restarted = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", server.baseURL(for: server.team), "--state-dir", state.path, "--restart"], env: env)
        #expect(restarted.status == 3, "\(restarted.stderr)")
        let status = try await CLIProcess.run(["status", "--state-dir", state.path, "--json"])
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        #expect(runs.map { $0["state"] as? String } == ["abandoned", "finished"])
        #expect((runs.last?["committedBatches"] as? Int ?? 0) >= 11)
        #expect(!status.stdout.contains(server.team.secretKey))
        let file = try String(contentsOf: state.appendingPathComponent("checkpoints.sqlite"), encoding: .isoLatin1)
        #expect(!file.contains(server.team.secretKey), "the key is never stored")
    }
}
