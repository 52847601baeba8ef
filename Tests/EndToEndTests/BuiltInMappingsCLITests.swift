import Foundation
import Testing

/// The mapping files of the checkout, which the binary was built with: what the commands must show.
enum CheckoutMappings {
    static var root: URL { CLIProcess.repoRoot.appendingPathComponent("Mappings") }

    static func files(_ set: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(set).path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    static func data(_ set: String, _ file: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(set).appendingPathComponent(file))
    }
}

extension CLIProcess.Result {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }

    /// `created` of one entity in a migrate or restore summary (`--json`).
    func created(_ entity: String) -> Int? {
        ((json as? [String: Any])?["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == entity }?["created"] as? Int
    }
}

@Suite("End to end: the binary installed alone", .serialized)
struct StandaloneBinaryTests {
    /// The binary copied alone into an empty folder, run from another empty folder on a copy of the sample kept
    /// in a third: no Mappings/ anywhere it could look, so everything it maps with is compiled in.
    @Test func migrateBackupAndRestoreNeedNothingBesideTheBinary() async throws {
        let dir = try CLIProcess.tempDir()
        let fm = FileManager.default
        let bin = dir.appendingPathComponent("bin"), work = dir.appendingPathComponent("work"), exports = dir.appendingPathComponent("exports")
        for d in [bin, work, exports] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        let exe = bin.appendingPathComponent("cstar-io")
        try fm.copyItem(at: CLIProcess.binary, to: exe)
        let export = exports.appendingPathComponent("zendesk-export")
        try fm.copyItem(at: CLIProcess.repoRoot.appendingPathComponent("Samples/zendesk"), to: export)
        let stateA = dir.appendingPathComponent("state-a").path, stateB = dir.appendingPathComponent("state-b").path
        func run(_ args: [String]) async throws -> CLIProcess.Result {
            try await CLIProcess.run(args, cwd: work, executable: exe)  // no API key, no CSTAR_IO_MAPPINGS: the embedded sandbox
        }

        let list = try await run(["mappings", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let setNames = (((list.json as? [String: Any])?["sets"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(setNames.contains("zendesk"))

        let migrate = try await run(["migrate", export.path, "--from", "zendesk", "--json", "--state-dir", stateA])
        #expect(migrate.status == 3, "the sample has two rejected phone-only users: \(migrate.stderr)")
        #expect(migrate.created("tickets") == 30, "\(migrate.stdout)\n\(migrate.stderr)")
        #expect(migrate.created("customers") == 35)

        let backup = try await run(["backup", "--output", dir.appendingPathComponent("backups").path, "--json", "--state-dir", stateA])
        #expect(backup.status == 0, "\(backup.stderr)")
        let backupDir = try #require((backup.json as? [String: Any])?["path"] as? String, "\(backup.stdout) \(backup.stderr)")

        // Into a new embedded sandbox (another state folder): the cstar set is built in too.
        let restore = try await run(["restore", backupDir, "--json", "--state-dir", stateB])
        #expect(restore.status == 0, "\(restore.stderr)\n\(restore.stdout)")
        #expect(restore.created("tickets") == 30, "\(restore.stdout)")
        #expect(restore.created("customers") == 35)

        #expect(try fm.contentsOfDirectory(atPath: bin.path) == ["cstar-io"], "nothing was needed or written beside the binary")
    }
}

@Suite("End to end: cstar-io mappings", .serialized)
struct MappingsCommandTests {
    @Test func listShowsEveryBuiltInSetWithItsEntities() async throws {
        let sets = try FileManager.default.contentsOfDirectory(atPath: CheckoutMappings.root.path).filter { !$0.hasPrefix(".") }.sorted()
        let run = try await CLIProcess.run(["mappings", "list", "--json"], cwd: try CLIProcess.tempDir())
        #expect(run.status == 0, "\(run.stderr)")
        let list = try #require((run.json as? [String: Any])?["sets"] as? [[String: Any]], "\(run.stdout)")
        #expect(list.compactMap { $0["name"] as? String } == sets)
        for set in list {
            let name = try #require(set["name"] as? String)
            let files = try CheckoutMappings.files(name)
            #expect(set["fileCount"] as? Int == files.count, "\(name)")
            let entities = try #require(set["entities"] as? [[String: Any]])
            #expect(entities.compactMap { $0["file"] as? String }.sorted() == files, "one entity per file of \(name)")
            #expect(entities.allSatisfy { $0["entity"] is String && $0["target"] is String })
        }
        let text = try await CLIProcess.run(["mappings", "list"], cwd: try CLIProcess.tempDir())
        #expect(text.status == 0)
        #expect(text.stdout.contains("zendesk  \(try CheckoutMappings.files("zendesk").count) files"))
        #expect(text.stdout.split(separator: "\n").contains { $0.contains("tickets") && $0.contains("→ tickets") && $0.contains("tickets.yaml") })
    }

    @Test func showPrintsAFileExactlyOrTheWholeSet() async throws {
        let files = try CheckoutMappings.files("zendesk")
        let first = try #require(files.first)
        let one = try await CLIProcess.run(["mappings", "show", "zendesk", first])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(Data(one.stdout.utf8) == (try CheckoutMappings.data("zendesk", first)), "the file as it is on disk")
        let stem = try await CLIProcess.run(["mappings", "show", "zendesk", String(first.prefix { $0 != "." })])
        #expect(stem.stdout == one.stdout, "the name without .yaml finds the file")

        let all = try await CLIProcess.run(["mappings", "show", "zendesk"])
        #expect(all.status == 0)
        for f in files { #expect(all.stdout.contains("--- # zendesk/\(f)\n")) }
        let json = try await CLIProcess.run(["mappings", "show", "cstar", "--json"])
        let shown = try #require(json.json as? [String: Any])
        #expect((shown["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == (try CheckoutMappings.files("cstar")))

        let unknownFile = try await CLIProcess.run(["mappings", "show", "zendesk", "nope.yaml"])
        #expect(unknownFile.status == 2)
        #expect(unknownFile.stderr.contains("has no file 'nope.yaml'") && unknownFile.stderr.contains(first))
        let unknownSet = try await CLIProcess.run(["mappings", "show", "kayako"])
        #expect(unknownSet.status == 2)
        #expect(unknownSet.stderr.contains("no built-in mapping set 'kayako'") && unknownSet.stderr.contains("zendesk"))
    }

    @Test func copyWritesTheSetRefusesToOverwriteAndTheCopyIsUsable() async throws {
        let dir = try CLIProcess.tempDir()
        let target = dir.appendingPathComponent("my-mappings")
        let files = try CheckoutMappings.files("zendesk")
        let copy = try await CLIProcess.run(["mappings", "copy", "zendesk", target.path])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(copy.stdout.contains("cstar-io validate EXPORT --mapping \(target.path)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).sorted() == files)
        for f in files {
            #expect((try Data(contentsOf: target.appendingPathComponent(f))) == (try CheckoutMappings.data("zendesk", f)), "\(f)")
        }

        // Without --force nothing is written, not even the files that are not there yet.
        let edited = target.appendingPathComponent(files[0]), removed = target.appendingPathComponent(files[1])
        try "# my change\n".write(to: edited, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: removed)
        let again = try await CLIProcess.run(["mappings", "copy", "zendesk", target.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already has \(files[0])") && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try String(contentsOf: edited, encoding: .utf8) == "# my change\n")
        #expect(!FileManager.default.fileExists(atPath: removed.path))

        let forced = try await CLIProcess.run(["mappings", "copy", "zendesk", target.path, "--force", "--json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let result = try #require(forced.json as? [String: Any])
        #expect((result["overwritten"] as? [String])?.count == files.count - 1)
        #expect((try Data(contentsOf: edited)) == (try CheckoutMappings.data("zendesk", files[0])))

        // The copy is a mapping folder like any: validate reads the sample through it (exit 3: the sample's rejects).
        let validate = try await CLIProcess.run(["validate", "Samples/zendesk", "--mapping", target.path, "--json",
                                                 "--state-dir", dir.appendingPathComponent("state").path])
        #expect(validate.status == 3, "\(validate.stderr)")

        // A bare folder name in the hint is written as a path, as --mapping needs.
        let bare = try await CLIProcess.run(["mappings", "copy", "cstar", "mine"], cwd: dir)
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stdout.contains("--mapping ./mine"))
    }
}

@Suite("End to end: an export folder named like a mapping set", .serialized)
struct ExportFolderNamedLikeASetTests {
    /// `cd exports && cstar-io validate zendesk --mapping zendesk`: the export folder is the export, the set is built in.
    @Test func anExportFolderCalledZendeskIsNotTakenForTheMappingSet() async throws {
        let work = try CLIProcess.tempDir()
        try FileManager.default.copyItem(at: CLIProcess.repoRoot.appendingPathComponent("Samples/zendesk"), to: work.appendingPathComponent("zendesk"))
        let state = work.appendingPathComponent("state").path
        for args in [["validate", "zendesk", "--mapping", "zendesk"], ["validate", "zendesk"], ["plan", "zendesk", "--mapping", "zendesk"]] {
            let run = try await CLIProcess.run(args + ["--json", "--state-dir", state], cwd: work)
            #expect(run.status == 3, "\(args): \(run.stderr)")
            let entities = (run.json as? [String: Any])?["entities"] as? [[String: Any]] ?? []
            #expect(entities.first { $0["entity"] as? String == "tickets" }?["read"] as? Int == 30, "\(args): \(run.stdout)")
            #expect(!run.stderr.contains("note:"), "an export folder (JSON, no YAML) needs no note")
        }
        let migrate = try await CLIProcess.run(["migrate", "zendesk", "--from", "zendesk", "--json", "--state-dir", state], cwd: work)
        #expect(migrate.status == 3, "\(migrate.stderr)")
        #expect(migrate.created("tickets") == 30)

        // Given as a path, the same folder is read as a mapping folder (and has no mappings).
        let asPath = try await CLIProcess.run(["validate", "zendesk", "--mapping", "./zendesk", "--state-dir", state], cwd: work)
        #expect(asPath.status == 2)
        #expect(asPath.stderr.contains("no .yaml mapping files in this folder"), "\(asPath.stderr)")
    }

    @Test func aMappingFolderNamedLikeASetGetsANote() async throws {
        let work = try CLIProcess.tempDir()
        let copy = try await CLIProcess.run(["mappings", "copy", "zendesk", "zendesk"], cwd: work)
        #expect(copy.status == 0, "\(copy.stderr)")
        let run = try await CLIProcess.run(["validate", CLIProcess.repoRoot.appendingPathComponent("Samples/zendesk").path, "--mapping", "zendesk",
                                            "--state-dir", work.appendingPathComponent("state").path], cwd: work)
        #expect(run.status == 3)
        #expect(run.stderr.contains("note: 'zendesk' is the built-in mapping set; for the folder ./zendesk instead, pass --mapping ./zendesk"))
    }

    @Test func theOverrideVariableReplacesTheBuiltInSet() async throws {
        let dev = try CLIProcess.tempDir()
        let copy = try await CLIProcess.run(["mappings", "copy", "zendesk", dev.appendingPathComponent("zendesk").path])
        #expect(copy.status == 0)
        // A broken mapping in the override shows it is the one read.
        try "version: 1\nentity: tickets\n".write(to: dev.appendingPathComponent("zendesk/tickets.yaml"), atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["validate", "Samples/zendesk", "--mapping", "zendesk", "--state-dir", dev.appendingPathComponent("state").path],
                                           env: ["CSTAR_IO_MAPPINGS": dev.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Using the mapping set 'zendesk' from $CSTAR_IO_MAPPINGS"))
        #expect(run.stderr.contains(dev.appendingPathComponent("zendesk/tickets.yaml").path + ":"), "\(run.stderr)")
    }
}
