import CStarSandbox
import Foundation
import PTYSupport
import Testing

/// Progress as the operator sees it, on a terminal and in a pipe, during a run the quota throttles: the lines count
/// against the records counted first, show the wait for the quota window, and the ETA at half-way is the truth.
///
/// The run is built so that the quota decides its length: one entity (users → customers), one record per request,
/// one request at a time, and a sandbox allowing 2 requests per 2-second window, so every window is a wait of about
/// three seconds (the window, and the second the client waits past its reset) and the client's own time (two
/// requests per window) stays small beside it even on a loaded machine.
@Suite("End to end: honest progress under a quota", .serialized)
struct ProgressTests {
    struct Line { let time: Double; let text: String }
    struct Streamed { let status: Int32; let lines: [Line]; let end: Double }

    static let records = 30

    func start() async throws -> (SandboxServer, URL, URL) {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try ImportEngineTests.writeUsers(to: export, users: Self.records)
        var config = SandboxConfiguration()
        config.secretKeyLimit = 2
        config.rateLimitWindowSeconds = 2
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("s.sqlite").path, port: 0, configuration: config)
        return (server, export, dir)
    }

    func args(_ server: SandboxServer, _ export: URL, _ dir: URL) -> [String] {
        ["migrate", export.path, "--from", "zendesk", "--api-url", server.baseURL(for: server.team), "--batch-size", "1", "--concurrency", "1",
         "--state-dir", dir.appendingPathComponent("state").path]
    }

    @Test(.timeLimit(.minutes(3))) func onATerminalTheLineCountsDownTheWaitAndTheETAHolds() async throws {
        let (server, export, dir) = try await start()
        defer { Task { await server.stop() } }
        let run = try await CLIProcess.offPool { [args = args(server, export, dir), key = server.team.secretKey] in
            try Self.stream(args, env: ["CSTAR_SECRET_KEY": key], terminal: true)
        }
        #expect(run.status == 0, "\(run.lines.suffix(5).map(\.text))")
        try check(run, terminal: true)
    }

    @Test(.timeLimit(.minutes(3))) func inAPipePlainLinesTellTheSame() async throws {
        let (server, export, dir) = try await start()
        defer { Task { await server.stop() } }
        let run = try await CLIProcess.offPool { [args = args(server, export, dir), key = server.team.secretKey] in
            try Self.stream(args, env: ["CSTAR_SECRET_KEY": key, "CSTAR_IO_PROGRESS_INTERVAL": "0.5"], terminal: false)
        }
        #expect(run.status == 0, "\(run.lines.suffix(5).map(\.text))")
        try check(run, terminal: false)
        #expect(!run.lines.contains { $0.text.contains("\u{1B}[") }, "no terminal control codes in a pipe")
    }

    func check(_ run: Streamed, terminal: Bool) throws {
        let progress = run.lines.filter { $0.text.hasPrefix("customers: ") && $0.text.contains("/\(Self.records) done") }
        #expect(progress.count >= 5, "progress lines: \(run.lines.map(\.text).prefix(20))")
        #expect(progress.contains { $0.text.contains("waiting for the quota window, resets at") }, "the waiting state is shown")
        #expect(progress.contains { $0.text.contains("(quota: 2 requests per") }, "the ETA says it comes from the quota")
        // Half-way: the first line at or past half of the records; its ETA against the time the run really took.
        let half = try #require(progress.first { (Self.done($0.text) ?? 0) >= Self.records / 2 && Self.eta($0.text) != nil },
                                "\(progress.map(\.text))")
        let eta = try #require(Self.eta(half.text))
        let real = run.end - half.time
        #expect(real > 5, "the run was throttled: \(real)s left at half-way")
        #expect(abs(eta - real) <= 0.25 * real, "ETA \(eta)s at half-way (\(half.text)); the run took \(real)s more")
        #expect(run.lines.contains { $0.text.hasPrefix("customers: done — \(Self.records) read, \(Self.records) created") })
    }

    static func done(_ line: String) -> Int? {
        guard let r = line.range(of: #"(\d+)/\d+ done"#, options: .regularExpression) else { return nil }
        return Int(line[r].prefix { $0.isNumber })
    }

    /// "ETA 1m 5s" or "ETA 12s", in seconds.
    static func eta(_ line: String) -> Double? {
        guard let r = line.range(of: #"ETA (\d+h )?(\d+m )?\d+s?"#, options: .regularExpression) else { return nil }
        var total = 0.0
        for part in line[r].dropFirst(4).split(separator: " ") {
            guard let n = Double(part.dropLast()) else { continue }
            switch part.last { case "h": total += n * 3600; case "m": total += n * 60; default: total += n }
        }
        return total
    }

    /// Runs the binary with stderr on a pseudo-terminal or a pipe, timestamping each line (or redraw) as it comes.
    static func stream(_ args: [String], env: [String: String], terminal: Bool) throws -> Streamed {
        let p = Process()
        p.executableURL = CLIProcess.binary
        p.arguments = args
        p.currentDirectoryURL = CLIProcess.repoRoot
        var environment = ProcessInfo.processInfo.environment
        for k in ["CSTAR_SECRET_KEY", "CSTAR_API_URL", "CSTAR_TEAM_ID", "CSTAR_IO_MAPPINGS", "CSTAR_PROFILE"] { environment[k] = nil }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        var readFD: Int32
        var side: Int32 = -1
        let pipe = Pipe()
        if terminal {
            readFD = cstar_test_open_pty(&side)
            guard readFD >= 0 else { throw CLIProcess.TerminalError() }
            p.standardError = FileHandle(fileDescriptor: side, closeOnDealloc: false)
        } else {
            readFD = pipe.fileHandleForReading.fileDescriptor
            p.standardError = pipe
        }
        try p.run()
        if terminal { close(side) } else { try? pipe.fileHandleForWriting.close() }
        var lines: [Line] = []
        var pending = ""
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var fds = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, 200)
            if ready == 0 { if !p.isRunning { break } else { continue } }
            let n = read(readFD, &buffer, buffer.count)
            if n <= 0 { break }
            let now = Date().timeIntervalSince1970
            pending += String(decoding: buffer[0..<n], as: UTF8.self)
            // A live line is redrawn after "\r\u{1B}[2K"; a plain line ends with "\n".
            while let cut = pending.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                let text = String(pending[..<cut]).replacingOccurrences(of: "\u{1B}[2K", with: "")
                if !text.isEmpty { lines.append(Line(time: now, text: text)) }
                pending = String(pending[pending.index(after: cut)...])
            }
            // On a terminal the newest redraw has no end yet: it is complete as written (one write per line).
            if terminal, !pending.isEmpty, !pending.hasSuffix("\u{1B}[2K") {
                let text = pending.replacingOccurrences(of: "\u{1B}[2K", with: "")
                if !text.isEmpty { lines.append(Line(time: now, text: text)) }
                pending = ""
            }
        }
        p.waitUntilExit()
        let end = Date().timeIntervalSince1970
        if terminal { close(readFD) }
        return Streamed(status: p.terminationStatus, lines: lines, end: end)
    }
}
