import Foundation
import Testing

/// `--json` on every command, for results and errors alike: one JSON object on stdout that fits
/// docs/cli-json.schema.json and whose exitCode is the process's.
@Suite("End to end: --json, --quiet and --verbose on every command", .serialized)
struct JSONContractTests {
    static var schemaPath: String { CLIProcess.repoRoot.appendingPathComponent("docs/cli-json.schema.json").path }

    /// Runs one command, checks its stdout is one object fitting the schema, and returns it.
    @discardableResult
    func answer(_ args: [String], _ status: Int32, env: [String: String] = [:], cwd: URL = CLIProcess.repoRoot,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let run = try await CLIProcess.run(args, env: env, cwd: cwd)
        #expect(run.status == status, "\(args): \(run.stderr.suffix(600))", sourceLocation: sourceLocation)
        let object = try #require(try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                  "\(args): stdout is not one JSON object: \(run.stdout.prefix(400))", sourceLocation: sourceLocation)
        let problems = try JSONSchemaCheck.load(Self.schemaPath).problems(object)
        #expect(problems.isEmpty, "\(args): \(problems)", sourceLocation: sourceLocation)
        #expect(object["exitCode"] as? Int == Int(run.status), "\(args)", sourceLocation: sourceLocation)
        if run.status == 1 || run.status == 2 {
            let message = ((object["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(!message.contains("see stderr"), "\(args): the error says what went wrong, not only where to look: \(object)", sourceLocation: sourceLocation)
        }
        return object
    }

    @Test func theSchemaRefusesWhatItMust() throws {
        let schema = try JSONSchemaCheck.load(Self.schemaPath)
        #expect(schema.problems(["exitCode": 0, "outcome": "ok"]).isEmpty)
        #expect(!schema.problems(["exitCode": 1, "outcome": "failed"]).isEmpty, "a failure without an error")
        #expect(!schema.problems(["exitCode": 3, "outcome": "ok"]).isEmpty, "an outcome that is not the code's meaning")
        #expect(!schema.problems(["outcome": "ok"]).isEmpty, "no exit code")
        #expect(!schema.problems(["exitCode": 2, "outcome": "usageError", "error": ["message": "", "kind": "usageError"]]).isEmpty, "an empty message")
        #expect(!schema.problems(["exitCode": 0, "outcome": "ok", "runs": [["state": "finished"]]]).isEmpty, "a run without an id")
    }

    @Test(.timeLimit(.minutes(6))) func everyCommandAnswersInOneObject() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        let config = ["XDG_CONFIG_HOME": dir.appendingPathComponent("config").path]
        var covered: Set<String> = []
        func a(_ args: [String], _ status: Int32, env: [String: String] = [:]) async throws -> [String: Any] {
            let words = args.prefix { !$0.hasPrefix("-") && !$0.contains("/") && !$0.contains(".") }
            covered.insert(words.prefix(1).joined(separator: " "))
            covered.insert(words.prefix(2).joined(separator: " "))
            return try await answer(args, status, env: env.merging(config) { a, _ in a })
        }

        let migrated = try await a(["migrate", "Samples/zendesk", "--from", "zendesk", "--json", "--state-dir", state], 3)
        #expect((migrated["entities"] as? [Any])?.isEmpty == false)
        let requests = migrated["requests"] as? Int ?? 0, minimum = migrated["minimumRequests"] as? Int ?? 0, lookups = migrated["lookupRequests"] as? Int ?? 0
        #expect(minimum > 0 && requests >= minimum + lookups, "the requests line is true: \(requests) ≥ \(minimum) + \(lookups)")
        _ = try await a(["migrate", dir.appendingPathComponent("missing").path, "--json"], 2)
        _ = try await a(["migrate", "Samples/zendesk", "--from", "nosuchset", "--json", "--state-dir", state], 2)
        _ = try await a(["migrate", "Samples/zendesk", "--no-such-option", "--json"], 2)
        _ = try await a(["plan", "Samples/zendesk", "--from", "zendesk", "--json", "--state-dir", state], 3)
        _ = try await a(["validate", "Samples/zendesk", "--from", "zendesk", "--json", "--state-dir", state], 3)
        _ = try await a(["validate", dir.path, "--json", "--state-dir", state], 2)
        let status = try await a(["status", "--json", "--state-dir", state], 0)
        #expect((status["runs"] as? [Any])?.count == 1)
        let read = try await a(["read", "Samples/zendesk/tickets.json", "--limit", "2", "--json"], 0)
        #expect((read["records"] as? [Any])?.count == 2 && read["read"] as? Int == 2)
        _ = try await a(["read", "no-such-file.json", "--json"], 2)
        let exported = try await a(["export", "customers", "--format", "json", "-o", dir.appendingPathComponent("c.json").path, "--json", "--state-dir", state], 0)
        #expect(((exported["files"] as? [[String: Any]])?.first?["rows"] as? Int ?? 0) > 0)
        _ = try await a(["export", "nosuch", "-o", dir.appendingPathComponent("x.json").path, "--json"], 2)
        let backup = try await a(["backup", "--output", dir.appendingPathComponent("backups").path, "--json", "--state-dir", state], 0)
        #expect(backup["path"] is String)
        _ = try await a(["restore", dir.appendingPathComponent("no-backup").path, "--json", "--state-dir", state], 1)
        _ = try await a(["bulk", "update", "tickets", "--where", "status=open", "--set", "status=closed", "--dry-run", "--json", "--state-dir", state], 0)
        _ = try await a(["bulk", "delete", "tickets", "--where", "status=open", "--json", "--state-dir", state], 2)
        _ = try await a(["bulk", "undo", "nosuchrun", "--json", "--state-dir", state], 2)
        _ = try await a(["bulk", "runs", "--json", "--state-dir", state], 0)
        _ = try await a(["mappings", "list", "--json"], 0)
        _ = try await a(["mappings", "show", "zendesk", "--json"], 0)
        _ = try await a(["mappings", "show", "nosuchset", "--json"], 2)
        _ = try await a(["mappings", "copy", "zendesk", dir.appendingPathComponent("m").path, "--json"], 0)
        let initial = try await a(["mappings", "init", "Samples/zendesk/tickets.json", "--target", "tickets", "--json"], 0)
        #expect((initial["mapping"] as? String)?.contains("target: tickets") == true)
        let keyFile = dir.appendingPathComponent("k.key")
        try "sk_test_contract".write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        _ = try await a(["profile", "add", "t1", "--url", "https://example.com", "--key-file", keyFile.path, "--json"], 0)
        let profiles = try await a(["profile", "list", "--json"], 0)
        #expect((profiles["profiles"] as? [[String: Any]])?.map { $0["name"] as? String } == ["t1"])
        _ = try await a(["profile", "remove", "nope", "--json"], 2)
        _ = try await a(["profile", "remove", "t1", "--json"], 0)
        _ = try await a(["sandbox", "--port", "99999", "--json"], 2)
        let runId = try #require(((status["runs"] as? [[String: Any]])?.first?["id"] as? String))
        let report = try await a(["report", String(runId.prefix(8)), "--output", dir.appendingPathComponent("r.html").path, "--json", "--state-dir", state], 0)
        #expect(report["report"] as? String == dir.appendingPathComponent("r.html").path)
        _ = try await a(["report", "nosuchrun", "--json", "--state-dir", state], 2)

        // Every command the binary has is in the list above.
        let leaves = try await Self.leafCommands()
        #expect(leaves.count >= 18, "\(leaves)")
        let missing = leaves.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "commands not checked for --json: \(missing)")
    }

    @Test func everyCommandTakesJSONQuietAndVerbose() async throws {
        for command in try await Self.leafCommands() {
            let help = try await CLIProcess.run(command.split(separator: " ").map(String.init) + ["--help"])
            for flag in ["--json", "--quiet", "--verbose"] {
                #expect(help.stdout.contains(flag), "\(command) --help lacks \(flag)")
            }
        }
    }

    /// The commands that run something (`bulk update`, `status`…), from the help's SUBCOMMANDS sections.
    static func leafCommands(_ path: [String] = []) async throws -> [String] {
        let help = try await CLIProcess.run(path + ["--help"])
        let subs = subcommands(help.stdout)
        if subs.isEmpty { return [path.joined(separator: " ")] }
        var leaves: [String] = []
        for s in subs { leaves += try await leafCommands(path + [s]) }
        return leaves
    }

    static func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty || line.hasPrefix("  See ") { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let name = line.dropFirst(2).prefix { $0 != " " }
            if !name.isEmpty, name != "help" { names.append(String(name)) }
        }
        return names
    }
}

/// Completion scripts complete values, not only option names; the README documents them.
@Suite("End to end: shell completion")
struct CompletionTests {
    @Test(arguments: ["bash", "zsh", "fish"]) func theScriptCompletesFormatsResourcesSetsAndRuns(_ shell: String) async throws {
        let run = try await CLIProcess.run(["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.stderr)")
        for word in ["ndjson", "custom-fields", "zendesk", "liveagent", "profile", "report"] {
            #expect(run.stdout.contains(word), "\(shell): the script does not offer \(word)")
        }
        // Profiles and run ids are asked of the binary when completing (ArgumentParser's custom completions).
        #expect(run.stdout.contains("---completion"), "\(shell): no custom completion")
    }

    @Test func runIdsComeFromTheStateFolder() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        let migrate = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--quiet", "--state-dir", state])
        #expect(migrate.status == 3, "\(migrate.stderr)")
        let status = try await CLIProcess.run(["status", "--json", "--state-dir", state])
        let id = try #require(((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.first?["id"] as? String)
        // What the shell asks when completing `cstar-io report --state-dir DIR <TAB>`.
        // (`cstar-io ---completion <subcommand> -- <argument> <word index> <cursor index> <the words>`, as bash calls it.)
        let asked = try await CLIProcess.run(["---completion", "report", "--", "positional@0", "4", "0", "cstar-io", "report", "--state-dir", state, ""])
        #expect(asked.stdout.contains(String(id.prefix(8))), "completion offers the run: \(asked.stdout) \(asked.stderr)")
    }
}
