import CStarIO
import Foundation
import TestSupport
import Testing

@Suite("NDJSON reader")
struct NDJSONRecordReaderTests {
    @Test func blankLinesAreAllowedAndABadLineIsReportedWhileTheRestGoesOn() throws {
        let path = try TestFiles.writeBytes(Array("{\"id\":1}\n\n  \n{\"id\":2,}\n[1]\n{\"id\":3}\r\n{\"id\":4}".utf8), name: "x.ndjson")
        var r = try NDJSONRecordReader(path: path)
        var ids: [JSONValue?] = [], problems: [ReaderError] = []
        while let item = try r.next() {
            switch item {
            case .record(let rec): ids.append(rec.fields["id"])
            case .problem(let p): problems.append(p)
            case .warning: break
            }
        }
        #expect(ids == [.int(1), .int(3), .int(4)])
        #expect(problems.map(\.line) == [4, 5])
        #expect(problems[1].message.contains("expected an object"))
    }

    @Test func severalFilesReadAsOneStream() throws {
        let a = try TestFiles.writeBytes(Array(#"{"tickets": [{"id": 1}, {"id": 2}], "next_page": "x"}"#.utf8), name: "tickets-1.json")
        let dir = (a as NSString).deletingLastPathComponent
        try Data(#"{"tickets": [{"id": 3}], "next_page": null}"#.utf8).write(to: URL(fileURLWithPath: dir + "/tickets-2.json"))
        let files = SourceFiles.resolve(["tickets-*.json"], in: dir)
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["tickets-1.json", "tickets-2.json"])
        var r = MultiFileReader(paths: files, options: ReaderOptions(records: "tickets"))
        var ids: [JSONValue?] = []
        while let item = try r.next() { if case .record(let rec) = item { ids.append(rec.fields["id"]) } }
        #expect(ids == [.int(1), .int(2), .int(3)])
    }
}
