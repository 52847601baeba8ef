import CStarIO
import Foundation
import Testing

@Suite("Built-in mapping sets")
struct BuiltInMappingsTests {
    /// The sets of the checkout's Mappings/ folder, read the way MappingSet.load reads a folder.
    static func diskSets() throws -> [String: [String: Data]] {
        let root = TestFiles.repoRoot.appendingPathComponent("Mappings")
        let fm = FileManager.default
        var sets: [String: [String: Data]] = [:]
        for name in try fm.contentsOfDirectory(atPath: root.path) where !name.hasPrefix(".") {
            var isDir: ObjCBool = false
            let folder = root.appendingPathComponent(name)
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else { continue }
            var files: [String: Data] = [:]
            for file in try fm.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                files[file] = try Data(contentsOf: folder.appendingPathComponent(file))
            }
            sets[name] = files
        }
        return sets
    }

    /// A stale embed (a build that missed a change under Mappings/) fails here, file by file.
    @Test func everyBuiltInSetEqualsTheMappingsFolderFileForFile() throws {
        let disk = try Self.diskSets()
        #expect(BuiltInMappingSet.names == disk.keys.sorted(), "the built-in sets are the folders of Mappings/")
        #expect(BuiltInMappingSet.names.contains("zendesk") && BuiltInMappingSet.names.contains("cstar"))
        for set in BuiltInMappingSet.all {
            let files = disk[set.name] ?? [:]
            #expect(set.files.map(\.name) == files.keys.sorted(), "files of \(set.name)")
            for file in set.files {
                #expect(Data(file.text.utf8) == files[file.name], "\(set.name)/\(file.name) is built in as it is on disk")
            }
        }
    }

    @Test(arguments: BuiltInMappingSet.names)
    func everyBuiltInSetLoadsLikeItsFolder(name: String) throws {
        let set = try #require(BuiltInMappingSet.named(name))
        let builtIn = try MappingSet.load(builtIn: set)
        let folder = try MappingSet.load(directory: TestFiles.repoRoot.appendingPathComponent("Mappings/\(name)").path)
        #expect(builtIn.origin == "\(name) (built-in)")
        #expect(builtIn.entities.count == set.files.count)
        #expect(builtIn.entities.map(\.entity) == folder.entities.map(\.entity), "same entities in the same import order")
        #expect(builtIn.entities.map(\.target) == folder.entities.map(\.target))
        #expect(builtIn.entities.map(\.text) == folder.entities.map(\.text))
        #expect(builtIn.entities.allSatisfy { $0.file.hasPrefix("\(name)/") && $0.file.hasSuffix(" (built-in)") })
    }

    @Test func errorsInABuiltInSetNameTheFileAsBuiltIn() throws {
        let set = BuiltInMappingSet(name: "demo", files: [MappingFile(name: "tickets.yaml", text: "version: 1\nentity: tickets\ntarget: tikets\n")])
        do {
            _ = try MappingSet.load(builtIn: set)
            Issue.record("expected an error")
        } catch let e as MappingErrors {
            #expect(e.errors.allSatisfy { $0.file == "demo/tickets.yaml (built-in)" }, "\(e)")
            #expect(e.description.hasPrefix("demo/tickets.yaml (built-in):"))
        }
    }

    /// The run's fingerprint hashes the mapping text, which a built-in mapping has though it has no file.
    @Test func aRunFingerprintChangesWithABuiltInMappingsText() throws {
        let yaml = "version: 1\nentity: tags\ntarget: customers\nsource:\n  files: [t.json]\nkey: id\nfields:\n  email: email\n"
        let a = try EntityMapping.parse(yaml: yaml, file: "demo/t.yaml (built-in)")
        let b = try EntityMapping.parse(yaml: yaml + "  name: name\n", file: "demo/t.yaml (built-in)")
        #expect(CheckpointStore.fingerprint(mappings: [a], sourceFiles: [], target: "x") == CheckpointStore.fingerprint(mappings: [a], sourceFiles: [], target: "x"))
        #expect(CheckpointStore.fingerprint(mappings: [a], sourceFiles: [], target: "x") != CheckpointStore.fingerprint(mappings: [b], sourceFiles: [], target: "x"))
    }
}

@Suite("Which mapping set --from and --mapping name")
struct MappingSourceTests {
    static func folder(_ path: String, in root: URL, files: [String: String] = [:]) throws {
        let dir = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mapping-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func anExportFolderNamedLikeASetIsNotTakenForIt() throws {
        let cwd = try Self.tempDir()
        try Self.folder("zendesk", in: cwd, files: ["tickets.json": "[]"])
        #expect(try MappingSource.resolve("zendesk", environment: [:], currentDirectory: cwd.path) == .builtIn("zendesk"))
        #expect(try MappingSource.resolve("./zendesk", environment: [:], currentDirectory: cwd.path) == .directory("./zendesk"))
        #expect(try MappingSource.resolve(cwd.appendingPathComponent("zendesk").path, environment: [:]) == .directory(cwd.appendingPathComponent("zendesk").path))
    }

    @Test func theOverrideVariableReplacesASetOnlyWhenItHoldsIt() throws {
        let cwd = try Self.tempDir(), dev = try Self.tempDir()
        try Self.folder("zendesk", in: dev, files: ["tickets.yaml": "version: 1\n"])
        try Self.folder("kayako", in: dev)
        let env = [MappingSource.overrideVariable: dev.path]
        #expect(try MappingSource.resolve("zendesk", environment: env, currentDirectory: cwd.path)
                == .override(name: "zendesk", directory: dev.appendingPathComponent("zendesk").path))
        #expect(try MappingSource.resolve("kayako", environment: env, currentDirectory: cwd.path)
                == .override(name: "kayako", directory: dev.appendingPathComponent("kayako").path), "a set the binary lacks")
        #expect(try MappingSource.resolve("cstar", environment: env, currentDirectory: cwd.path) == .builtIn("cstar"), "not in the folder: built in")
        #expect(try MappingSource.resolve("cstar", environment: [MappingSource.overrideVariable: ""], currentDirectory: cwd.path) == .builtIn("cstar"))
        // A path is a path, whatever the variable holds.
        try Self.folder("mine", in: cwd)
        #expect(try MappingSource.resolve("./mine", environment: env, currentDirectory: cwd.path) == .directory("./mine"))
    }

    @Test func aNameThatIsNoSetButAnExistingFolderOrFileIsThatPath() throws {
        let cwd = try Self.tempDir()
        try Self.folder("my-mappings", in: cwd, files: ["tickets.yaml": "version: 1\n"])
        #expect(try MappingSource.resolve("my-mappings", environment: [:], currentDirectory: cwd.path) == .directory("my-mappings"))
        #expect(try MappingSource.resolve("my-mappings/tickets.yaml", environment: [:], currentDirectory: cwd.path) == .file("my-mappings/tickets.yaml"))
    }

    @Test func unknownNamesAndMissingPathsSayWhatExists() throws {
        let cwd = try Self.tempDir()
        let name = #expect(throws: MappingSourceError.self) { try MappingSource.resolve("zendsk", environment: [:], currentDirectory: cwd.path) }
        #expect(name?.message.contains("no mapping set 'zendsk'") == true)
        #expect(name?.message.contains(BuiltInMappingSet.names.joined(separator: ", ")) == true)
        #expect(name?.message.contains("./zendsk") == true)
        let withEnv = #expect(throws: MappingSourceError.self) {
            try MappingSource.resolve("zendsk", environment: [MappingSource.overrideVariable: "/nowhere"], currentDirectory: cwd.path)
        }
        #expect(withEnv?.message.contains("$CSTAR_IO_MAPPINGS (/nowhere) has no folder 'zendsk'") == true)
        let path = #expect(throws: MappingSourceError.self) { try MappingSource.resolve("./zendesk", environment: [:], currentDirectory: cwd.path) }
        #expect(path?.message == "no mapping folder or file at './zendesk'.")
    }

    @Test func aBuiltInSourceLoadsFromMemory() throws {
        let entities = try MappingSource.builtIn("zendesk").load()
        #expect(entities.count == BuiltInMappingSet.named("zendesk")?.files.count)
        #expect(entities.allSatisfy { $0.file.hasPrefix("zendesk/") && $0.file.hasSuffix(" (built-in)") })
    }
}
