import CStarIO
import Foundation
import Testing

/// The report's "what was rejected and why": rejects grouped by entity and code, read line by line.
@Suite("Reject groups")
struct RejectGroupsTests {
    static func line(_ entity: String, _ code: String, reason: String, line: Int, extra: String = "") -> String {
        #"{"entity":"\#(entity)","code":"\#(code)","reason":"\#(reason)","location":"tickets.json:\#(line)","field":"email","record":"\#(extra)"}"#
    }

    static func groups(_ text: String, examples: Int = 3, maxGroups: Int = 50) throws -> [JSONObject] {
        let path = try TestFiles.write(text, name: "rejects.ndjson")
        return (RejectGroups.summarize(path, examples: examples, maxGroups: maxGroups).arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test func rejectsAreGroupedByEntityAndCodeLargestFirstWithTheirFirstExamples() throws {
        var lines: [String] = []
        for i in 1...5 { lines.append(Self.line("customers", "missing_email", reason: "no email", line: i)) }
        lines.append("")  // a blank line
        lines.append("not json at all")  // not a reject line: left out
        for i in 1...2 { lines.append(Self.line("tickets", "parameter_invalid", reason: "bad status", line: 100 + i)) }
        lines.append(Self.line("customers", "parameter_invalid", reason: "bad phone", line: 9))
        let g = try Self.groups(lines.joined(separator: "\n"))  // no final newline: the last line still counts
        #expect(g.map { $0["entity"]?.stringValue } == ["customers", "tickets", "customers"])
        #expect(g.map { $0["code"]?.stringValue } == ["missing_email", "parameter_invalid", "parameter_invalid"])
        #expect(g.map { $0["count"]?.intValue } == [5, 2, 1])
        let examples = g[0]["examples"]?.arrayValue ?? []
        #expect(examples.count == 3)
        #expect(examples.map { $0["location"]?.stringValue } == ["tickets.json:1", "tickets.json:2", "tickets.json:3"])
    }

    /// A rejected record can be one very long line (a ticket with a 70 MB message): lines longer than the 64 KB
    /// the file is read in, and lines split across reads, are read whole.
    @Test func linesLongerThanAReadAndLinesAcrossReadsAreReadWhole() throws {
        let long = String(repeating: "y", count: 300_000)
        var lines: [String] = []
        for i in 1...2_000 { lines.append(Self.line("tickets", "too_large", reason: "r\(i % 3)", line: i, extra: i % 500 == 0 ? long : "")) }
        let g = try Self.groups(lines.joined(separator: "\n") + "\n", examples: 1)
        #expect(g.count == 1)
        #expect(g.first?["count"]?.intValue == 2_000)
        #expect(g.first?["examples"]?.arrayValue?.count == 1)
    }

    @Test func groupsPastTheLimitAreLeftOut() throws {
        let lines = (1...10).map { Self.line("tickets", "code\($0)", reason: "r", line: $0) }
        let g = try Self.groups(lines.joined(separator: "\n"), maxGroups: 4)
        #expect(g.count == 4)
        #expect(g.compactMap { $0["code"]?.stringValue }.sorted() == ["code1", "code2", "code3", "code4"])
    }

    @Test func aMissingFileHasNoGroups() {
        #expect(RejectGroups.summarize("/nonexistent/rejects.ndjson").arrayValue?.isEmpty == true)
    }
}
