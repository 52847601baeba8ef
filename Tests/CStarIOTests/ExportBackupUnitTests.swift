import CStarHash
import Foundation
import Testing

@testable import CStarIO

/// A fake `POST /export`: rows sorted by (createdAt, creation order), `createdAfter` inclusive, a tiny cap.
final class FakeWindows: ExportWindowSource {
    let rows: [JSONObject]
    let cap: Int
    var windowCalls = 0
    var listCalls = 0

    init(_ stamps: [String], cap: Int) {
        // Creation order = index; the API sorts by createdAt then creation order.
        let made = stamps.enumerated().map { i, t in JSONObject([("id", .string("r\(i)")), ("createdAt", .string(t))]) }
        rows = made
        self.cap = cap
    }

    func window(createdAfter: String?) async throws -> ExportWindow {
        windowCalls += 1
        let sorted = rows.enumerated().sorted { a, b in
            let (x, y) = (a.element["createdAt"]!.stringValue!, b.element["createdAt"]!.stringValue!)
            return x == y ? a.offset < b.offset : x < y
        }.map(\.element)
        let matching = sorted.filter { createdAfter == nil || $0["createdAt"]!.stringValue! >= createdAfter! }
        return ExportWindow(rows: Array(matching.prefix(cap)), truncated: matching.count > cap)
    }

    func listAll(_ body: (JSONObject) async throws -> Void) async throws {
        listCalls += 1
        for r in rows { try await body(r) }
    }
}

@Suite("Export windows past the row cap")
struct ExportWindowWalkerTests {
    static func walk(_ stamps: [String], cap: Int) async throws -> ([String], ExportWindowWalker.Stats, FakeWindows) {
        let source = FakeWindows(stamps, cap: cap)
        var ids: [String] = []
        let stats = try await ExportWindowWalker().walk(source) { ids.append($0["id"]!.stringValue!) }
        return (ids, stats, source)
    }

    @Test func distinctTimestampsEveryRowOnce() async throws {
        let stamps = (0..<23).map { String(format: "2025-01-01T00:00:%02d.000Z", $0) }
        let (ids, stats, _) = try await Self.walk(stamps, cap: 5)
        #expect(ids.count == 23)
        #expect(Set(ids).count == 23)
        #expect(stats.windows > 1)
    }

    @Test(arguments: [5, 6, 7, 9])
    func tiesAcrossWindowBoundaries(cap: Int) async throws {
        // Runs of 2 to 4 identical timestamps (shorter than a window) straddle the cuts.
        var stamps: [String] = []
        for second in 0..<8 { for _ in 0..<(second % 3 + 2) { stamps.append(String(format: "2025-01-01T00:00:%02d.000Z", second)) } }
        let (ids, stats, source) = try await Self.walk(stamps, cap: cap)
        #expect(ids.count == stamps.count, "no row missed or repeated")
        #expect(Set(ids) == Set((0..<stamps.count).map { "r\($0)" }))
        #expect(stats.boundaryDuplicates > 0, "the boundary instant was read again and de-duplicated")
        #expect(source.listCalls == 0)
    }

    /// A server that ignores `createdAfter` (answers every window from the start) would make the walk repeat
    /// rows forever or miss some: it is stopped with an error instead.
    final class IgnoresCreatedAfter: ExportWindowSource {
        let inner: FakeWindows
        init(_ inner: FakeWindows) { self.inner = inner }
        func window(createdAfter: String?) async throws -> ExportWindow { try await inner.window(createdAfter: nil) }
        func listAll(_ body: (JSONObject) async throws -> Void) async throws { try await inner.listAll(body) }
    }

    @Test func aServerIgnoringTheWindowBoundIsStopped() async throws {
        let stamps = (0..<12).map { String(format: "2025-01-01T00:00:%02d.000Z", $0) }
        var ids: [String] = []
        await #expect(throws: ExportWindowWalker.ExportOrderError.self) {
            _ = try await ExportWindowWalker().walk(IgnoresCreatedAfter(FakeWindows(stamps, cap: 5))) { ids.append($0["id"]!.stringValue!) }
        }
        #expect(ids.count == 5, "only the first window was written: \(ids)")
    }

    @Test func moreIdenticalTimestampsThanAWindowFallsBackToListPages() async throws {
        let stamps = ["2025-01-01T00:00:00.000Z"] + Array(repeating: "2025-01-01T00:00:01.000Z", count: 12) + ["2025-01-01T00:00:02.000Z", "2025-01-01T00:00:03.000Z"]
        let (ids, stats, source) = try await Self.walk(stamps, cap: 4)
        #expect(stats.usedListFallback)
        #expect(source.listCalls == 1)
        #expect(ids.count == stamps.count)
        #expect(Set(ids).count == stamps.count)
    }
}

@Suite("CSV flattening")
struct CSVFlatteningTests {
    static func text(_ w: CSVWriter, _ o: JSONObject) -> String { String(decoding: w.row(for: o), as: UTF8.self) }

    @Test func declaredCustomFieldsGetColumnsTheRestStaysJSON() {
        let w = CSVWriter(columns: ["id", "customFields"], customFieldTypes: ["tier": "text", "points": "number"])
        #expect(w.columns == ["id", "customFields", "customFields.points", "customFields.tier"])
        let row = JSONObject([("id", .string("c1")), ("customFields", .object(JSONObject([
            ("tier", .string("gold")), ("points", .string("12")), ("extra", .bool(true)),
        ])))])
        // "12" is a string in a number field: it would read back as a number, so it stays in the JSON column.
        #expect(Self.text(w, row) == "c1,\"{\"\"points\"\":\"\"12\"\",\"\"extra\"\":true}\",,gold\r\n")
    }

    @Test(arguments: [("=1+1", "'=1+1"), ("+x", "'+x"), ("-2", "'-2"), ("@a", "'@a"), ("\tx", "'\tx"), ("'q", "''q"), ("plain", "plain")])
    func guardFormulas(raw: String, guarded: String) {
        let w = CSVWriter(columns: ["v"], guardFormulas: true)
        #expect(Self.text(w, JSONObject([("v", .string(raw))])) == guarded + "\r\n")
    }

    /// Spreadsheets skip leading spaces and line breaks before a formula: the guard looks past them too.
    @Test(arguments: [" =1+1", "\n=1+2", "  \r\n@SUM(A1)", "\u{00A0}+1"])
    func leadingWhitespaceBeforeAFormulaIsGuarded(raw: String) {
        let w = CSVWriter(columns: ["v"], guardFormulas: true)
        #expect(Self.text(w, JSONObject([("v", .string(raw))])).contains("'" + raw))
        #expect(!Self.text(w, JSONObject([("v", .string("  plain"))])).contains("'"))
    }

    @Test func carriageReturnLineFeedIsGuardedToo() {
        let w = CSVWriter(columns: ["v"], guardFormulas: true)
        #expect(Self.text(w, JSONObject([("v", .string("\r\n=x"))])) == "\"'\r\n=x\"\r\n")
    }
}

@Suite("Backup folders")
struct BackupFolderTests {
    @Test func onlyCompleteBackupsArePruned() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-retention-\(UUID().uuidString)").path
        let fm = FileManager.default
        let manifest = BackupManifest(version: "t", apiBaseURL: "http://x", teamId: nil, createdAt: "", files: [])
        for name in ["cstar-backup-20250101T000000Z", "cstar-backup-20250102T000000Z", "cstar-backup-20250102T000000Z-2",
                     "cstar-backup-20250102T000000Z-10", "cstar-backup-20250103T000000Z"] {
            try fm.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
            try Data(JSONSerializer.bytes(manifest.json)).write(to: URL(fileURLWithPath: "\(dir)/\(name)/manifest.json"))
        }
        // Incomplete (no manifest), hidden temporary, and foreign folders.
        for name in ["cstar-backup-20240101T000000Z", ".cstar-backup-20240101T000000Z.incomplete-1", "photos", "cstar-backup-old"] {
            try fm.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
        }
        let removed = try BackupRetention.prune(dir, keep: 2)
        #expect(removed.map { ($0 as NSString).lastPathComponent }
                 == ["cstar-backup-20250101T000000Z", "cstar-backup-20250102T000000Z", "cstar-backup-20250102T000000Z-2"])
        let left = Set(try fm.contentsOfDirectory(atPath: dir))
        #expect(left == ["cstar-backup-20250102T000000Z-10", "cstar-backup-20250103T000000Z", "cstar-backup-20240101T000000Z",
                         ".cstar-backup-20240101T000000Z.incomplete-1", "photos", "cstar-backup-old"])
    }

    @Test func verifierNamesTheDamagedFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let content = Array("{\"id\":\"a\"}\n{\"id\":\"b\"}\n".utf8)
        try Data(content).write(to: URL(fileURLWithPath: "\(dir)/customers.ndjson"))
        func writeManifest(bytes: Int, sha: String, rows: Int = 2) throws {
            let m = BackupManifest(version: "t", apiBaseURL: "http://x", teamId: nil, createdAt: "",
                                   files: [.init(resource: "customers", file: "customers.ndjson", rows: rows, bytes: bytes, sha256: sha)])
            try Data(JSONSerializer.bytes(m.json)).write(to: URL(fileURLWithPath: "\(dir)/manifest.json"))
        }
        try writeManifest(bytes: content.count, sha: SHA256.hex(content))
        #expect(throws: Never.self) { try BackupVerifier.verify(dir) }
        try writeManifest(bytes: content.count + 3, sha: SHA256.hex(content))
        #expect { try BackupVerifier.verify(dir) } throws: { "\($0)".contains("customers.ndjson is truncated") }
        try writeManifest(bytes: content.count, sha: String(repeating: "0", count: 64))
        #expect { try BackupVerifier.verify(dir) } throws: { "\($0)".contains("customers.ndjson fails its checksum") }
        try writeManifest(bytes: content.count, sha: SHA256.hex(content), rows: 3)
        #expect { try BackupVerifier.verify(dir) } throws: { "\($0)".contains("holds 2 records, the manifest says 3") }
    }
}
