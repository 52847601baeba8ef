@testable import CStarIO
import Foundation
import Testing

/// Lookups through the run index's in-memory cache, on real index files: the same answers as SQLite (records and
/// misses), within the bounds, evicting by second chance, and nothing stale after the index is written again.
@Suite("Lookup cache")
struct SourceRecordCacheTests {
    static func usersFile(_ ids: some Sequence<Int>, suffix: String = "", padding: Int = 0) throws -> String {
        let users = ids.map { i in
            #"{"id": \#(i), "name": "User \#(i)\#(suffix)", "email": "u\#(i)@example.com", "role": "end-user", "notes": "\#(String(repeating: "x", count: padding))"}"#
        }
        return try TestFiles.write(#"{"users": [\#(users.joined(separator: ","))]}"#, name: "users.json")
    }

    static func index(_ limits: SourceRecordCache.Limits = .standard, users: some Sequence<Int>, padding: Int = 0) throws -> RunIndex {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let index = try RunIndex(path: dir.appendingPathComponent("run-index.sqlite").path, cacheLimits: limits)
        try build(index, try usersFile(users, padding: padding))
        return index
    }

    static func build(_ index: RunIndex, _ file: String) throws {
        var reader = MultiFileReader(paths: [file], options: ReaderOptions(records: "users"))
        _ = try index.buildSourceIndex(name: "users", reader: &reader, keyPath: "id")
    }

    @Test func cachedAnswersAreTheStoredRecordsAndMissesStayMisses() throws {
        let index = try Self.index(users: 1...50)
        for round in 0..<3 {
            for id in 1...60 {
                let stored = try index.storedSourceRecord(index: "users", key: String(id)).0
                let answered = try index.sourceRecord(index: "users", key: String(id))
                #expect(answered == stored, "user \(id), round \(round)")
                #expect((answered == nil) == (id > 50))
                if let answered { #expect(answered["name"] == .string("User \(id)")) }
            }
        }
        // An index name that was never built answers nil, as SQLite does.
        #expect(try index.sourceRecord(index: "ticket_fields", key: "1") == nil)
        let stats = index.sourceRecords.stats
        #expect(stats.misses == 61, "each key read from SQLite once, misses included: \(stats)")
        #expect(stats.hits == 120)
        #expect(stats.entries == 61 && stats.evictions == 0)
    }

    @Test func entryBoundIsKeptByEvicting() throws {
        let index = try Self.index(SourceRecordCache.Limits(entries: 8, bytes: 8 << 20), users: 1...100)
        for id in 1...100 {
            #expect(try index.sourceRecord(index: "users", key: String(id))?["email"] == .string("u\(id)@example.com"))
            #expect(index.sourceRecords.stats.entries <= 8)
        }
        let stats = index.sourceRecords.stats
        #expect(stats.entries == 8 && stats.evictions == 92 && stats.misses == 100)
    }

    @Test func byteBoundIsKeptAndOversizedRecordsAreNotKept() throws {
        // Records of about 1 KB of JSON text, 5 KB allowed: at most four or five at a time.
        let index = try Self.index(SourceRecordCache.Limits(entries: 4096, bytes: 5000), users: 1...40, padding: 1000)
        for id in 1...40 {
            #expect(try index.sourceRecord(index: "users", key: String(id))?["id"] == .int(Int64(id)))
            let stats = index.sourceRecords.stats
            #expect(stats.bytes <= 5000 && stats.entries >= 1 && stats.entries <= 5, "\(stats)")
        }
        let small = try Self.index(SourceRecordCache.Limits(entries: 4096, bytes: 500), users: 1...3, padding: 1000)
        for _ in 0..<2 { #expect(try small.sourceRecord(index: "users", key: "2")?["name"] == .string("User 2")) }
        #expect(small.sourceRecords.stats == SourceRecordCache.Stats(entries: 0, bytes: 0, hits: 0, misses: 2, evictions: 0),
                "a record larger than the budget is answered every time from SQLite, never kept")
    }

    @Test func recordsUsedAgainGetASecondChance() throws {
        let index = try Self.index(SourceRecordCache.Limits(entries: 4, bytes: 8 << 20), users: 1...10)
        func ask(_ id: Int) throws { #expect(try index.sourceRecord(index: "users", key: String(id))?["id"] == .int(Int64(id))) }
        for id in [1, 2, 3, 4] { try ask(id) }
        try ask(1)  // used again: the hand spares it once
        try ask(5)  // evicts 2, the first record not used since
        let before = index.sourceRecords.stats
        try ask(1)
        try ask(3)
        try ask(4)
        try ask(5)
        #expect(index.sourceRecords.stats.hits == before.hits + 4, "1, 3, 4 and 5 are still cached")
        try ask(2)
        #expect(index.sourceRecords.stats.misses == before.misses + 1, "2 was the one evicted")
        #expect(index.sourceRecords.stats.entries == 4)
    }

    @Test func writingTheIndexAgainLeavesNothingStale() throws {
        let index = try Self.index(users: 1...5)
        #expect(try index.sourceRecord(index: "users", key: "3")?["name"] == .string("User 3"))
        #expect(try index.sourceRecord(index: "users", key: "9") == nil)
        #expect(try index.sourceRecord(index: "users", key: "9") == nil)
        // The same index written again (INSERT OR REPLACE): a changed record and a key that was missing.
        try Self.build(index, try Self.usersFile([3, 9], suffix: " (changed)"))
        #expect(try index.sourceRecord(index: "users", key: "3")?["name"] == .string("User 3 (changed)"))
        #expect(try index.sourceRecord(index: "users", key: "9")?["name"] == .string("User 9 (changed)"))
        #expect(try index.sourceRecord(index: "users", key: "1")?["name"] == .string("User 1"))
        #expect(index.sourceRecords.stats.entries == 3)
    }
}
