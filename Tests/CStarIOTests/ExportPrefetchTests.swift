import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import CStarIO

/// A fake export endpoint that can ask for a window ahead, and whose prefetches (the request, or reading its
/// answer) fail at a chosen rate: what `PrefetchingWindows` must survive without losing or repeating a row.
final class FlakyWindows: PrefetchableWindowSource, @unchecked Sendable {
    let sorted: [JSONObject]
    let cap: Int
    let failPercent: Int
    private let state: Mutex<(random: SeededRandom, log: [String])>

    init(_ stamps: [String], cap: Int, failPercent: Int, seed: UInt64) {
        let made = stamps.enumerated().map { i, t in JSONObject([("id", .string("r\(i)")), ("createdAt", .string(t))]) }
        // The API's order: createdAt, then creation order.
        sorted = made.enumerated().sorted { a, b in
            let (x, y) = (a.element["createdAt"]!.stringValue!, b.element["createdAt"]!.stringValue!)
            return x == y ? a.offset < b.offset : x < y
        }.map(\.element)
        self.cap = cap
        self.failPercent = failPercent
        state = Mutex((SeededRandom(state: seed), []))
    }

    var log: [String] { state.withLock { $0.log } }
    private func note(_ s: String) { state.withLock { $0.log.append(s) } }
    private func fails() -> Bool { state.withLock { Int($0.random.next() % 100) < failPercent } }

    func page(_ after: String?) -> ExportWindow {
        let matching = sorted.filter { after == nil || $0["createdAt"]!.stringValue! >= after! }
        return ExportWindow(rows: Array(matching.prefix(cap)), truncated: matching.count > cap)
    }

    func window(createdAfter: String?) async throws -> ExportWindow {
        note("fetch \(createdAfter ?? "-")")
        return page(createdAfter)
    }

    func start(createdAfter: String?) async -> String? {
        note("start \(createdAfter ?? "-")")
        return fails() ? nil : (createdAfter ?? "")
    }

    func finish(_ pending: String) async throws -> ExportWindow? {
        if fails() { note("lost \(pending)"); return nil }
        note("finish \(pending)")
        return page(pending.isEmpty ? nil : pending)
    }

    func listAll(_ body: (JSONObject) async throws -> Void) async throws {
        for r in sorted { try await body(r) }
    }
}

@Suite("Export windows fetched ahead")
struct ExportPrefetchTests {
    static func stamps(_ n: Int, seed: UInt64) -> [String] {
        var r = SeededRandom(state: seed)
        // Runs of equal timestamps (up to 4) so window boundaries fall inside them.
        var out: [String] = []
        var second = 0
        while out.count < n {
            for _ in 0..<(1 + Int(r.next() % 4)) where out.count < n { out.append(String(format: "2025-01-01T00:%02d:%02d.000Z", second / 60, second % 60)) }
            second += 1 + Int(r.next() % 2)
        }
        // Created out of createdAt order, as imports with original timestamps are.
        return out.shuffled(using: &r)
    }

    static func walk(_ source: some ExportWindowSource) async throws -> [String] {
        var ids: [String] = []
        _ = try await ExportWindowWalker().walk(source) { ids.append($0["id"]!.stringValue!) }
        return ids
    }

    @Test(arguments: [0, 30, 100])
    func prefetchingKeepsTheOrderAndLosesNothingWhenPrefetchesFail(failPercent: Int) async throws {
        for (seed, cap) in [(1, 5), (2, 7), (3, 16), (4, 50)] as [(UInt64, Int)] {
            let stamps = Self.stamps(180, seed: seed)
            let plain = try await Self.walk(FlakyWindows(stamps, cap: cap, failPercent: 0, seed: seed))
            let flaky = FlakyWindows(stamps, cap: cap, failPercent: failPercent, seed: seed)
            let prefetching = PrefetchingWindows(flaky)
            let ids = try await Self.walk(prefetching)
            #expect(ids == plain, "same rows in the same order (cap \(cap), \(failPercent)% of prefetches failing)")
            #expect(Set(ids).count == stamps.count)
            let fetched = flaky.log.filter { $0.hasPrefix("fetch") }.count
            // Each window fetched on demand is the first one, or one whose prefetch was dropped.
            #expect(fetched == prefetching.dropped + 1, "\(flaky.log)")
            switch failPercent {
            case 0: #expect(fetched == 1 && prefetching.prefetched >= 2, "windows after the first come from prefetches: \(flaky.log)")
            case 100: #expect(prefetching.prefetched == 0 && prefetching.dropped >= 2)
            default: #expect(prefetching.prefetched + prefetching.dropped >= 2)
            }
        }
    }

    /// The next window is asked for before the rows of the one just returned are handed on: the request is in
    /// flight (the server prepares it) while they are written.
    @Test func theNextWindowIsRequestedWhenAWindowArrives() async throws {
        let stamps = (0..<20).map { String(format: "2025-01-01T00:00:%02d.000Z", $0) }
        let flaky = FlakyWindows(stamps, cap: 8, failPercent: 0, seed: 9)
        let prefetching = PrefetchingWindows(flaky)
        let first = try await prefetching.window(createdAfter: nil)
        #expect(first.count == 8 && first.truncated)
        #expect(prefetching.pendingBound == "2025-01-01T00:00:07.000Z")
        let second = try await prefetching.window(createdAfter: "2025-01-01T00:00:07.000Z")
        #expect(try second.row(0)["createdAt"]?.stringValue == "2025-01-01T00:00:07.000Z")
        #expect(flaky.log.prefix(3) == ["fetch -", "start 2025-01-01T00:00:07.000Z", "finish 2025-01-01T00:00:07.000Z"])
        // Asked for another bound than the one prefetched: the prefetch is dropped, the window fetched as asked.
        #expect(prefetching.pendingBound == "2025-01-01T00:00:14.000Z")
        let other = try await prefetching.window(createdAfter: "2025-01-01T00:00:03.000Z")
        #expect(try other.row(0)["createdAt"]?.stringValue == "2025-01-01T00:00:03.000Z")
        #expect(prefetching.dropped == 1)
    }

    // MARK: Rows read from the answer's bytes

    /// The whole-answer reading the scanner stands in for (what `APIExportWindows` did before).
    static func reference(_ bytes: [UInt8], type: String) throws -> (rows: [JSONObject], truncated: Bool) {
        let json = try JSONParser.parse(bytes)
        let data = json["data"] ?? json
        let rows = (data["resources"]?[type]?.arrayValue ?? []).compactMap(\.objectValue)
        return (rows, data["truncated"]?[type]?.boolValue ?? (rows.count >= CStarAPI.maxExportRows))
    }

    static func lazy(_ bytes: [UInt8], type: String) throws -> (rows: [JSONObject], truncated: Bool) {
        let w = try ExportAnswer.window(ByteBuffer(bytes: bytes), type: type, status: 200, method: "POST", path: "/export", requestId: nil) { b in
            let json = try JSONParser.parse(b)
            return json["data"] ?? json
        }
        return (try w.rows, w.truncated)
    }

    static func answer(_ r: inout SeededRandom) -> String {
        func pick<T>(_ a: [T]) -> T { a[Int(r.next() % UInt64(a.count))] }
        let sp = { (r: inout SeededRandom) -> String in ["", " ", "\n  ", "\t"][Int(r.next() % 4)] }
        var rows: [String] = []
        for k in 0..<Int(r.next() % 6) {
            let content = pick(["plain", "with \\\"quotes\\\" and \\\\ and }", "brace ] [ { in text", "é 日本 \\u00e9 \\ud83d\\ude00", ""])
            var row = "{\"id\":\"tkt_\(k)\",\(sp(&r))\"createdAt\":\"2025-01-0\(k + 1)T00:00:00.000Z\",\"messages\":[{\"content\":\"\(content)\"},{\"n\":[1,2.5,-3e2,true,null]}]}"
            if r.next() % 40 == 0 { row = pick(["7", "\"text\"", "[1]", "{\"id\":}", "{\"a\":1,}", "{\"unterminated\":\"x}"]) }  // odd or invalid rows
            rows.append(row)
        }
        let tickets = "[" + sp(&r) + rows.joined(separator: "," + sp(&r)) + sp(&r) + "]"
        let truncated = pick(["\"truncated\":{\"tickets\":true}", "\"truncated\":{\"tickets\":false}", "\"truncated\":{\"tickets\":null}",
                              "\"truncated\":{\"tickets\":\"yes\"}", "\"truncated\":{}", "\"truncated\":{\"customers\":true,\"tickets\":true}", ""])
        var data = "{\"object\":\"export\",\(sp(&r))\"format\":\"json\",\"totalRows\":\(rows.count),\"resources\":{"
            + pick(["", "\"customers\":[{\"id\":\"c\"}],"]) + "\"tickets\":\(tickets)}" + (truncated.isEmpty ? "" : "," + truncated) + "}"
        switch r.next() % 30 {
        case 0: data = data.replacingOccurrences(of: "\"format\":\"json\"", with: "\"format\":\"json\",\"format\":\"csv\"")  // a repeated key
        case 1: data = data.replacingOccurrences(of: "\"object\"", with: "\"obj\\u0065ct\"")  // an escaped key
        case 2: data = data.replacingOccurrences(of: "\"resources\":{", with: "\"resources\":{\"tickets\":[],")
        case 3: data = "[]"
        default: break
        }
        let meta = pick(["{\"requestId\":\"req_1\"}", "{\"requestId\":\"req_1\",\"x\":[1,{\"y\":\"}\"}]}", "{\"bad\":tru}"])
        switch r.next() % 5 {
        case 0: return data  // a bare data object
        case 1: return "{\"success\":true,\"meta\":\(meta),\"data\":\(data)}"
        default: return sp(&r) + "{\"success\":true,\(sp(&r))\"data\":\(sp(&r))\(data),\"meta\":\(meta)}" + sp(&r) + pick(["", "", "", "x", "}"])
        }
    }

    @Test func rowsReadFromTheBytesAreTheRowsOfTheParsedAnswer() throws {
        var r = SeededRandom(state: 11)
        var scanned = 0, invalid = 0
        for _ in 0..<3_000 {
            let text = Self.answer(&r)
            let bytes = Array(text.utf8)
            let expected = Result { try Self.reference(bytes, type: "tickets") }
            let got = Result { try Self.lazy(bytes, type: "tickets") }
            switch (expected, got) {
            case let (.success(e), .success(g)):
                #expect(e.rows == g.rows, "\(text)")
                #expect(e.truncated == g.truncated, "\(text)")
            case (.failure, .failure): invalid += 1
            default: Issue.record("one reading failed and the other did not: \(text)")
            }
            if bytes.withUnsafeBytes({ ExportAnswerScanner.scan($0, type: "tickets") }) != nil { scanned += 1 }
        }
        // About half the generated answers are valid enough for the byte path (the rest have a bad meta or trailing bytes,
        // and must fall back to the parser); this checks that both paths are exercised.
        #expect(scanned > 1_000, "many answers take the byte path (\(scanned))")
        #expect(invalid > 50)
    }
}
