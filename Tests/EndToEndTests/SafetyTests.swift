import CStarSandbox
import Foundation
import Testing

/// Hostile files, hostile hosts, careless hands and two runs at once, through the built binary
/// (docs/security.md lists each promise and names the test that holds it).
@Suite("End to end: safety", .serialized)
struct SafetyTests {
    static let key = "sk_test_0123456789abcdef0123456789abcdef"

    /// Runs a shell script off Swift's cooperative threads (an in-process sandbox serves on them).
    static func sh(_ script: String) async throws -> CLIProcess.Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try shBlocking(script) }) }
        }
    }

    static func shBlocking(_ script: String) throws -> CLIProcess.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIProcess.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func aKeyIsNeverSentInClearTextToAHostThatOnlyLooksLikeLoopback() async throws {
        let dir = try CLIProcess.tempDir()
        for url in ["http://127.0.0.1.attacker.example:8099", "http://localhost.example", "http://0x7f.1", "http://127.0.0.1@attacker.example"] {
            let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--api-url", url, "--state-dir", dir.path],
                                               env: ["CSTAR_SECRET_KEY": Self.key])
            #expect(run.status == 2, "\(url): \(run.stderr)")
            #expect(!run.stderr.contains(Self.key) && !run.stderr.contains("0123456789abcdef"), "the key never appears")
            #expect(run.stderr.contains("https://") || run.stderr.contains("without them"), "\(url): says what to do: \(run.stderr)")
        }
    }

    @Test func anAliasBombMappingIsRefusedInBoundedMemory() async throws {
        let dir = try CLIProcess.tempDir()
        var yaml = "version: 1\nentity: x\ntarget: customers\nsource: { files: [users.json], records: users }\nkey: id\nfields:\n"
        yaml += "  a: { const: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"] }\n"
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"]
        var previous = "a"
        for n in names {
            yaml += "  \(n): { const: &\(n) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "] }\n"
            previous = n
        }
        let mapping = dir.appendingPathComponent("bomb.yaml")
        try yaml.write(to: mapping, atomically: true, encoding: .utf8)
        // Under a 1 GiB address-space limit: 9^9 expanded nodes would need far more.
        let run = try await Self.sh("ulimit -v 1048576; exec '\(CLIProcess.binary.path)' validate '\(CLIProcess.repoRoot.path)/Samples/zendesk' --mapping '\(mapping.path)' --state-dir '\(dir.path)/s'")
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("bomb.yaml") && run.stderr.contains("more than 100000 YAML nodes"), "\(run.stderr)")
    }

    @Test func mappingsCannotReadOutsideTheExportFolder() async throws {
        let dir = try CLIProcess.tempDir()
        for pattern in ["../other/users.json", "/etc/passwd", "../../etc/passwd", "sub/../../x.json"] {
            let mapping = dir.appendingPathComponent("m.yaml")
            try "version: 1\nentity: x\ntarget: customers\nsource: { files: [\"\(pattern)\"] }\nkey: id\nfields:\n  name: name\n"
                .write(to: mapping, atomically: true, encoding: .utf8)
            let run = try await CLIProcess.run(["validate", "Samples/zendesk", "--mapping", mapping.path, "--state-dir", dir.path])
            #expect(run.status == 2, "\(pattern): \(run.stderr)")
            #expect(run.stderr.contains("outside the export folder"), "\(run.stderr)")
        }
    }

    @Test func aSecondWriterIsRefusedAndAKilledHolderLeavesNoStaleLock() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // Another process holds the folder's lock, as a running migrate does.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import fcntl, os, sys, time
            f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); f.seek(0); f.truncate(); f.write('migrate ./export (pid %d)' % os.getpid()); f.flush()
            print('locked', flush=True); time.sleep(120)
            """, state.appendingPathComponent("lock").path]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        // Wait for "locked" off the cooperative threads (in-process sandboxes of other tests serve on them).
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { _ = pipe.fileHandleForReading.availableData; c.resume() }
        }
        let refused = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--state-dir", state.path])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("pid \(holder.processIdentifier)") && refused.stderr.contains("migrate ./export"), "\(refused.stderr)")
        let status = try await CLIProcess.run(["status", "--state-dir", state.path])
        #expect(status.stderr.contains("in use") || status.stderr.contains("using it"), "a reader says the folder is in use: \(status.stderr)")
        kill(holder.processIdentifier, SIGKILL)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { holder.waitUntilExit(); c.resume() }
        }
        let after = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--state-dir", state.path, "--quiet"])
        #expect(after.status == 3, "the OS dropped the killed holder's lock: \(after.stderr)")
    }

    @Test func destructiveBulkWithoutATerminalNeedsYesAndTyposAreRefusedBeforeAnyRequest() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("tickets", (0..<5).map { ["title": "T\($0)", "customerName": "C", "status": "open", "tags": ["spam"]] })
        let delete = try await f.bulk(["delete", "tickets", "--where", "status=open"])
        #expect(delete.status == 2, "\(delete.stderr)")
        #expect(delete.stderr.contains("--yes"))
        #expect(try await f.api.all("/tickets").count == 5, "nothing deleted")
        let runs = try await CLIProcess.run(["bulk", "runs", "--json", "--state-dir", f.state.path])
        #expect(((try? JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])?["runs"] as? [Any])?.isEmpty == true,
                "an unconfirmed run is not journaled: \(runs.stdout)")
        let before = f.server.api.requests.count("GET", "tickets").total
        for args in [["--where", "status=open", "--set", "staus=closed"], ["--where", "status=open", "--set", "status=clsoed"],
                     ["--where", "stauts=open", "--set", "status=closed"]] {
            let run = try await f.bulk(["update", "tickets"] + args + ["--dry-run"])
            #expect(run.status == 2, "\(args): \(run.stderr)")
            #expect(run.stderr.contains("did you mean"), "\(run.stderr)")
        }
        #expect(f.server.api.requests.count("GET", "tickets").total == before, "refused before anything was read")
        let export = try await CLIProcess.run(["export", "tickets", "--filter", "stauts=open", "--format", "csv", "--output", f.dir.appendingPathComponent("t.csv").path,
                                               "--api-url", f.base], env: ["CSTAR_SECRET_KEY": f.key])
        #expect(export.status == 2 && export.stderr.contains("did you mean 'status'"), "\(export.stderr)")
    }

    @Test(.timeLimit(.minutes(2))) func anUnreachableAPIFailsFastWithOneClearLine() async throws {
        let dir = try CLIProcess.tempDir()
        let started = Date()
        let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--api-url", "http://127.0.0.1:9/api/v1/teams/t",
                                            "--state-dir", dir.path], env: ["CSTAR_SECRET_KEY": Self.key])
        #expect(Date().timeIntervalSince(started) < 40)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot reach the cStar API at http://127.0.0.1:9") && run.stderr.contains("connection refused"), "\(run.stderr)")
    }

    @Test func filesHoldingCustomersDataArePrivateAndAKeyFileForOthersIsRefused() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state")
        let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--state-dir", state.path, "--quiet"])
        #expect(run.status == 3, "\(run.stderr)")
        func mode(_ p: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int ?? 0) & 0o777 }
        #expect(try mode(state.path) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            #expect(try mode(state.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
        let keyFile = dir.appendingPathComponent("key")
        try Self.key.write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
        let refused = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--api-key-file", keyFile.path, "--api-url", "http://127.0.0.1:9",
                                                "--state-dir", state.path])
        #expect(refused.status == 2 && refused.stderr.contains("chmod 600"), "\(refused.stderr)")
    }

    @Test func anExportFolderWithNothingToReadIsAnError() async throws {
        let dir = try CLIProcess.tempDir()
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for folder in [empty.path, "Samples"] {
            let run = try await CLIProcess.run(["migrate", folder, "--from", "zendesk", "--state-dir", dir.appendingPathComponent("s").path])
            #expect(run.status == 2, "\(folder): \(run.stderr)")
            #expect(run.stderr.contains("matches the mapping") && run.stderr.contains("tickets.json"), "\(run.stderr)")
        }
    }

    @Test func theSandboxRefusesAHugeBodyFromItsHeadersAndABusyPort() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        // Headers announcing 2 GB, then nothing: the answer must come at once, from the headers. The sandbox runs as
        // its own process here, so the answer's timing is the server's alone.
        let probe = try await Self.sh("""
            cd '\(dir.path)'
            '\(CLIProcess.binary.path)' sandbox --port 0 --data '\(dir.path)/probe.sqlite' > sandbox.out 2>&1 &
            pid=$!
            for i in $(seq 1 100); do grep -q 'base URL' sandbox.out 2>/dev/null && break; sleep 0.2; done
            base=$(grep 'base URL' sandbox.out | awk '{print $3}')
            python3 -c "
            import socket, sys, urllib.parse; u = urllib.parse.urlparse(sys.argv[1])
            s = socket.create_connection((u.hostname, u.port)); s.settimeout(30)
            s.sendall(b'POST ' + u.path.encode() + b'/import HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 2000000000\\r\\n\\r\\n')
            print(s.recv(200).split(b'\\r\\n')[0].decode())" "$base"
            kill $pid
            """)
        #expect(probe.stdout.contains("413"), "\(probe.stdout) \(probe.stderr)")
        let busy = try await CLIProcess.run(["sandbox", "--port", "\(server.port)", "--data", dir.appendingPathComponent("other.sqlite").path])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("could not listen") && busy.stderr.contains("\(server.port)"), "\(busy.stderr)")
    }

    @Test func anExportKilledBeforeItFinishedLeavesNothingOnTheNextRun() async throws {
        let dir = try CLIProcess.tempDir()
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // What a killed export leaves: its temporary file, named after a process that no longer exists.
        let stale = out.appendingPathComponent(".customers.csv.tmp-2147483000")
        try "half".write(to: stale, atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["export", "customers", "--format", "csv", "--output", out.appendingPathComponent("customers.csv").path,
                                            "--state-dir", dir.appendingPathComponent("s").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }
}
