import Foundation
import PTYSupport

/// Runs the built `cstar-io` binary as a real process.
struct CLIProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The binary built next to the test bundle (`swift build`/`swift test` build both).
    static var binary: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cstar-io"),
            Bundle.main.bundleURL.appendingPathComponent("cstar-io"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("cstar-io"),
            repoRoot.appendingPathComponent(".build/debug/cstar-io"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    /// Runs the binary without blocking Swift's cooperative threads (an in-process sandbox serves on them).
    /// With `terminalInput`, stdin is a pseudo-terminal (the program sees a TTY) and the text is typed into it.
    /// `executable` runs another copy of the binary (one installed alone elsewhere).
    static func run(_ args: [String], env: [String: String] = [:], cwd: URL = repoRoot, terminalInput: String? = nil,
                    executable: URL? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try runBlocking(args, env: env, cwd: cwd, terminalInput: terminalInput, executable: executable) })
            }
        }
    }

    /// Runs blocking work (a helper process, a pipe read) on a Dispatch thread: Swift's cooperative pool has one
    /// thread per core, and an in-process sandbox of another test serves on it.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    struct TerminalError: Error, CustomStringConvertible {
        let reason = String(cString: strerror(errno))
        var description: String { "could not open a pseudo-terminal: \(reason)" }
    }

    static func runBlocking(_ args: [String], env: [String: String] = [:], cwd: URL = repoRoot, terminalInput: String? = nil,
                            executable: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable ?? binary
        p.arguments = args
        p.currentDirectoryURL = cwd
        var environment = ProcessInfo.processInfo.environment
        // The tests choose the target and the mappings themselves: nothing of the developer's shell leaks in
        // (CSTAR_IO_MAPPINGS would replace the built-in sets the tests mean to run).
        for k in ["CSTAR_SECRET_KEY", "CSTAR_API_URL", "CSTAR_TEAM_ID", "CSTAR_IO_MAPPINGS"] { environment[k] = nil }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        var terminal: Int32 = -1
        if terminalInput != nil {
            var side: Int32 = -1
            terminal = cstar_test_open_pty(&side)
            guard terminal >= 0 else { throw TerminalError() }
            p.standardInput = FileHandle(fileDescriptor: side, closeOnDealloc: true)
        }
        defer { if terminal >= 0 { close(terminal) } }
        try p.run()
        if let input = terminalInput {
            // Typed ahead: the terminal holds the line until the program reads it. Then ^D, so that a program that
            // reads more than was typed sees the end of input instead of waiting for ever.
            let bytes = Array(input.utf8) + [4]
            let written = bytes.withUnsafeBytes { write(terminal, $0.baseAddress, $0.count) }
            if written != bytes.count { p.terminate() }
        }
        // Read both pipes while the process runs so neither fills up.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
