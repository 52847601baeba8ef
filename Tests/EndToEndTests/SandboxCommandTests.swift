import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("End to end: cstar-io sandbox")
struct SandboxCommandTests {
    @Test func servesAndPrintsItsConnectionDetails() async throws {
        let dir = try CLIProcess.tempDir()
        let p = Process()
        p.executableURL = CLIProcess.binary
        p.arguments = ["sandbox", "--port", "0", "--data", dir.appendingPathComponent("s.sqlite").path, "--json", "--rate-limit", "5", "--teams", "2"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // The first line is the JSON description.
        let handle = out.fileHandleForReading
        let line = try await CLIProcess.offPool { () -> Data in
            var line = Data()
            while true {
                let byte = handle.readData(ofLength: 1)
                if byte.isEmpty || byte == Data([10]) { break }
                line.append(byte)
            }
            return line
        }
        let info = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let teams = try #require(info["teams"] as? [[String: Any]])
        #expect(teams.count == 2)
        let base = try #require(teams[0]["baseURL"] as? String)
        let key = try #require(teams[0]["secretKey"] as? String)
        #expect(key.hasPrefix("sk_test_"))
        var req = HTTPClientRequest(url: base + "/customers")
        req.headers.add(name: "Authorization", value: "Bearer \(key)")
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(10))
        #expect(res.status.code == 200)
        #expect(res.headers.first(name: "X-RateLimit-Limit") == "5")
        p.terminate()
        let status = try await CLIProcess.offPool { () -> Int32 in p.waitUntilExit(); return p.terminationStatus }
        #expect(status == 0, "SIGTERM stops it cleanly")
    }
}
