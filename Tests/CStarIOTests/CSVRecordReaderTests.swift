import CStarIO
import Foundation
import TestSupport
import Testing

@Suite("CSV reader")
struct CSVRecordReaderTests {
    func items(_ text: String, options: CSVOptions = CSVOptions()) throws -> [ReadItem] {
        try itemsOf(TestFiles.writeBytes(Array(text.utf8), name: "in.csv"), options: options)
    }

    func itemsOf(_ path: String, options: CSVOptions = CSVOptions()) throws -> [ReadItem] {
        var r = try CSVRecordReader(path: path, options: options)
        var out: [ReadItem] = []
        while let i = try r.next() { out.append(i) }
        return out
    }

    func records(_ items: [ReadItem]) -> [Record] { items.compactMap { if case .record(let r) = $0 { r } else { nil } } }
    func problems(_ items: [ReadItem]) -> [ReaderError] { items.compactMap { if case .problem(let p) = $0 { p } else { nil } } }
    func warnings(_ items: [ReadItem]) -> [ReaderError] { items.compactMap { if case .warning(let p) = $0 { p } else { nil } } }

    @Test func quotedDelimitersLineBreaksAndDoubledQuotesWithLines() throws {
        let text = "\u{FEFF}Id,Subject [txt],Body\r\n1,\"Hello, world\",\"line one\r\nline two\nline three\"\r\n2,\"He said \"\"hi\"\"\",\r\n\r\n3,plain,\"\"\n"
        let items = try items(text)
        let rs = records(items)
        #expect(problems(items).isEmpty)
        #expect(rs.count == 3)
        #expect(rs[0].fields.keys == ["Id", "Subject [txt]", "Body"])
        #expect(rs[0].fields["Subject [txt]"] == .string("Hello, world"))
        #expect(rs[0].fields["Body"] == .string("line one\r\nline two\nline three"))
        #expect(rs[1].fields["Subject [txt]"] == .string("He said \"hi\""))
        #expect(rs[1].fields["Body"] == .string(""))
        #expect(rs.map(\.location.line) == [2, 5, 7])
        #expect(rs.map(\.location.index) == [1, 2, 3])
    }

    @Test(arguments: [("a;b\n1;2\n", UInt8(59)), ("a\tb\n1\t2\n", 9), ("a|b\n1|2\n", 124), ("a,b\n1,2\n", 44), ("\"x;y\",b\n1,2\n", 44), ("single\n1\n", 44)])
    func sniffsTheDelimiter(text: String, expected: UInt8) throws {
        let path = try TestFiles.writeBytes(Array(text.utf8), name: "s.csv")
        let r = try CSVRecordReader(path: path)
        #expect(r.delimiter == expected)
    }

    @Test func lineEndingsCROnlyAndNoFinalNewline() throws {
        let rs = records(try items("a,b\r1,2\r3,4"))
        #expect(rs.map { $0.fields["b"] } == [.string("2"), .string("4")])
        #expect(rs.map(\.location.line) == [2, 3])
    }

    @Test func raggedRowsAndStrayQuotesAreRejectedWithTheirLineAndReadingGoesOn() throws {
        let items = try items("a,b,c\n1,2,3\n4,5\n6,7\"x,8\n\"9\"z,10,11\n12,13,14\n15,16,17,18\n")
        let ps = problems(items)
        #expect(records(items).map { $0.fields["a"] } == [.string("1"), .string("12")])
        #expect(ps.map(\.line) == [3, 4, 5, 7])
        #expect(ps[0].message.contains("2 fields, the header has 3"))
        #expect(ps[1].message.contains("stray quote"))
        #expect(ps[2].message.contains("after a closing quote"))
        #expect(ps[3].message.contains("4 fields"))
        #expect(throws: ReaderError.self) { _ = try self.items("a,b\n1\n", options: CSVOptions(badRows: .stop)) }
    }

    @Test func anUnclosedQuoteIsReportedAtTheLineWhereItOpened() throws {
        let items = try items("a,b\n1,2\n3,\"never closed\nmore\nand more\n")
        #expect(records(items).count == 1)
        let p = try #require(problems(items).first)
        #expect(p.line == 3)
        #expect(p.message.contains("opened on line 3 is never closed"))
    }

    @Test func duplicateAndEmptyHeaderNamesAreRenamedWithAWarning() throws {
        let items = try items("Name,,Name,Name\n1,2,3,4\n")
        #expect(records(items).first?.fields.keys == ["Name", "column_2", "Name_2", "Name_3"])
        #expect(warnings(items).count == 3)
        #expect(warnings(items).allSatisfy { $0.line == 1 })
    }

    @Test func invalidUTF8IsRejectedOrReplaced() throws {
        let bytes: [UInt8] = Array("a,b\n1,ok\n2,".utf8) + [0xC3, 0x28] + Array("\n3,ok\n".utf8)
        let path = try TestFiles.writeBytes(bytes, name: "u.csv")
        let rejected = try itemsOf(path)
        #expect(records(rejected).count == 2)
        #expect(problems(rejected).first?.line == 3)
        #expect(problems(rejected).first?.message.contains("UTF-8") == true)
        let replaced = try itemsOf(path, options: CSVOptions(invalidUTF8: .replace))
        #expect(records(replaced).count == 3)
        #expect(records(replaced)[1].fields["b"] == .string("\u{FFFD}("))
        var out = ByteSink(capacity: 16)
        var encoder = NDJSONLineEncoder()
        encoder.encode(records(replaced)[1], into: &out)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "{\"a\":\"2\",\"b\":\"\u{FFFD}(\"}\n")
        out.deallocate()
    }

    /// `read` writes a CSV row's bytes straight to NDJSON with an eight-bytes-at-a-time escaper. The result must
    /// be the serialised object of the fields as generated (not as read back), for every byte a field may hold
    /// (controls, tabs, quotes, backslashes, multi-byte text), quoted or not, at every length around the
    /// eight-byte steps; and reading a field by name or dot path must give the generated text.
    @Test func csvRowsEncodeToTheNDJSONOfTheirGeneratedFields() throws {
        var rng = SeededRandom(state: 0xC5_0A)
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{8}", "\u{C}", "\u{1F}", "\u{7F}", "é", "😀", "中", ",", "\r\n"]
        let header = ["id", "body", "we\"ird\\key", "last"]
        var text = "id,body,\"we\"\"ird\\key\",last\n"
        var expected: [[String]] = []
        for row in 0..<400 {
            let fields = [String(row)] + (0..<3).map { _ in (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined() }
            expected.append(fields)
            var cells: [String] = []
            for f in fields {
                let special: Bool = f.utf8.contains { (b: UInt8) -> Bool in b == 44 || b == 34 || b == 10 || b == 13 }
                let quoted: String = "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                cells.append(special || Bool.random(using: &rng) ? quoted : f)
            }
            text += cells.joined(separator: ",") + "\n"
        }
        let rs = records(try items(text))
        #expect(rs.count == 400)
        var encoder = NDJSONLineEncoder()
        for (r, fields) in zip(rs, expected) {
            var direct = ByteSink(capacity: 16)
            encoder.encode(r, into: &direct)
            let object = JSONObject(Array(zip(header, fields.map { JSONValue.string($0) })))
            #expect(Array(direct.bytes) == JSONSerializer.bytes(.object(object)) + [10], "row \(r.location.line)")
            direct.deallocate()
            for (k, v) in zip(header, fields) { #expect(r.value(at: k) == .string(v)) }
            #expect(r.fields == object)
            // A dot path reads a CSV row as it reads any object: a trailing dot names the field itself.
            #expect(r.value(at: "body.") == .string(fields[1]))
            #expect(r.value(at: "body.x") == nil)
        }
    }

    @Test func fieldsOf10MBAndMoreAreReadWhole() throws {
        let big = String(repeating: "abcdefghij", count: 1_100_000)  // 11 MB
        let items = try items("a,b\n1,\"\(big)\"\n2,\(big)\n3,x\n")
        let rs = records(items)
        #expect(rs.count == 3)
        #expect(rs[0].fields["b"]?.stringValue?.utf8.count == 11_000_000)
        #expect(rs[1].fields["b"]?.stringValue?.utf8.count == 11_000_000)
        #expect(rs.map(\.location.line) == [2, 3, 4])
    }

    @Test func emptyFilesAndHeaderOnlyFilesHoldNoRecords() throws {
        #expect(try items("").isEmpty)
        #expect(try items("a,b\n").isEmpty)
        #expect(try items("\u{FEFF}").isEmpty)
    }
}
