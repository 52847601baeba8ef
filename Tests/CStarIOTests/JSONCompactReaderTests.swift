@testable import CStarIO
import Foundation
import TestSupport
import Testing

/// The in-place JSON path: `JSONCompactScanner` checks and compacts records in the read buffer, NDJSON lines are
/// read without a copy or a parser per line, and lazy records (`read`) are printed from their bytes. Everything
/// here is checked against the token parser (`JSONParser`) and the serializer, which the path must match byte
/// for byte.
@Suite("JSON compact reading")
struct JSONCompactReaderTests {
    // MARK: random documents

    /// Text pieces of strings: plain, the serializer's own escapes, and escapes it never writes (so not canonical).
    static let stringPieces = [
        "a", "Zoë", "😀", "€", " ", "plain text", #"\""#, #"\\"#, #"\/"#, #"\n"#, #"\t"#, #"\r"#, #"\b"#, #"\f"#,
        #"\u00e9"#, #"\u00E9"#, #"\u0001"#, #"\u001f"#, #"\u001F"#, #"\u000a"#, #"\u0000"#, #"\ud83d\ude00"#,
        #"\uD83D\uDE00"#, #"\u0022"#, #"\u005c"#, #"\u2028"#, "ascii-only-run-longer-than-eight-bytes", "ü€😀x",
    ]
    static let numbers = [
        "0", "-0", "7", "-12", "123456789012345678", "-123456789012345678", "1234567890123456789",
        "9223372036854775808", "123456789012345678901234567890", "1.5", "-2e3", "1E+2", "0.1", "1e999999",
        "-0.0", "1e-999", "3.0", "2.50", "1e15", "12345678901234567.5",
    ]
    static let keys = ["id", "name", "a", "Requester email", #"k\u0065y"#, "é", "id", "tags", ""]

    static func ws(_ rng: inout SeededRandom, newlines: Bool) -> String {
        let choices = newlines ? ["", "", "", " ", "\t", "\r", "\n", "\n  ", " \r\n "] : ["", "", "", " ", "\t", "\r", "  "]
        return choices.randomElement(using: &rng)!
    }

    static func string(_ rng: inout SeededRandom) -> String {
        "\"" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in stringPieces.randomElement(using: &rng)! }.joined() + "\""
    }

    static func value(_ rng: inout SeededRandom, depth: Int, newlines: Bool, canonicalOnly: Bool = false) -> String {
        let kind = depth > 3 ? Int.random(in: 0...2, using: &rng) : Int.random(in: 0...5, using: &rng)
        switch kind {
        case 0: return canonicalOnly ? "\"v\(Int.random(in: 0...999, using: &rng))\"" : string(&rng)
        case 1: return canonicalOnly ? String(Int.random(in: -99999...99999, using: &rng)) : numbers.randomElement(using: &rng)!
        case 2: return ["true", "false", "null"].randomElement(using: &rng)!
        case 3, 4: return object(&rng, depth: depth + 1, newlines: newlines, canonicalOnly: canonicalOnly)
        default:
            let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                ws(&rng, newlines: newlines) + value(&rng, depth: depth + 1, newlines: newlines, canonicalOnly: canonicalOnly) + ws(&rng, newlines: newlines)
            }
            return "[" + (items.isEmpty ? ws(&rng, newlines: newlines) : items.joined(separator: ",")) + "]"
        }
    }

    static func object(_ rng: inout SeededRandom, depth: Int = 0, newlines: Bool, canonicalOnly: Bool = false) -> String {
        let pairs = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
            let key = canonicalOnly ? "\"k\(Int.random(in: 0...5, using: &rng))\"" : "\"" + keys.randomElement(using: &rng)! + "\""
            return ws(&rng, newlines: newlines) + key + ws(&rng, newlines: newlines) + ":" + ws(&rng, newlines: newlines)
                + value(&rng, depth: depth, newlines: newlines, canonicalOnly: canonicalOnly) + ws(&rng, newlines: newlines)
        }
        return "{" + (pairs.isEmpty ? ws(&rng, newlines: newlines) : pairs.joined(separator: ",")) + "}"
    }

    /// Compact-scans `text` whole; nil when the scanner declines.
    static func scan(_ text: String) -> (compact: [UInt8], canonical: Bool)? {
        let bytes = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: bytes.count + 16)
        return bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                var s = JSONCompactScanner(base: b.baseAddress!, start: 0, end: b.count, out: o.baseAddress!, lineMode: false)
                do throws(JSONScanStop) {
                    try s.value(depth: 0)
                } catch {
                    return nil
                }
                return (Array(o[0..<s.o]), s.canonical)
            }
        }
    }

    static func canonicalText(_ compact: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        compact.withUnsafeBufferPointer { JSONCompact.writeCanonical($0.baseAddress!, count: $0.count, to: &out) }
        return out
    }

    // MARK: the scanner against the token parser

    @Test func compactBytesParseToTheSameValueAndPrintAsTheSerializerDoes() throws {
        var rng = SeededRandom(state: 2026)
        var canonical = 0, rewritten = 0
        for round in 0..<4000 {
            let text = Self.object(&rng, newlines: true, canonicalOnly: round % 4 == 0)
            let reference = try JSONParser.parse(text)
            guard let (compact, isCanonical) = Self.scan(text) else { Issue.record("declined valid \(text)"); continue }
            #expect(!compact.contains(10) && !compact.contains(9), "no white space left between tokens: \(text)")
            #expect(try JSONParser.parse(compact) == reference, "\(text)")
            let printed = JSONSerializer.bytes(reference)
            #expect(Self.canonicalText(compact) == printed, "\(text)")
            if isCanonical {
                canonical += 1
                #expect(compact == printed, "canonical bytes are what the serializer prints: \(text)")
            } else {
                rewritten += 1
            }
            var decoder = JSONCompactDecoder()
            let decoded = compact.withUnsafeBufferPointer { decoder.object($0.baseAddress!, count: $0.count) }
            #expect(JSONValue.object(decoded) == reference, "\(text)")
        }
        #expect(canonical > 500 && rewritten > 500, "both kinds are exercised: \(canonical) canonical, \(rewritten) rewritten")
    }

    @Test func theScannerDeclinesWhatTheTokenParserRejects() throws {
        var rng = SeededRandom(state: 7)
        var rejected = 0
        for _ in 0..<3000 {
            var bytes = Array(Self.object(&rng, newlines: true).utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                let junk: [UInt8] = [0x22, 0x2C, 0x0A, 0x5B, 0x5D, 0x7B, 0x7D, 0x5C, 0x3A, 0x00, 0xFF, 0xC3, 0x80, 0x30, 0x2D, 0x2E, 0x65]
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = junk.randomElement(using: &rng)!
                case 1: bytes.remove(at: i)
                default: bytes.insert(junk.randomElement(using: &rng)!, at: i)
                }
            }
            // The scanner sees the value alone: what follows it is the reader's business.
            let parsed = try? JSONParser.parse(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            var out = [UInt8](repeating: 0, count: bytes.count + 16)
            let accepted: (compact: [UInt8], end: Int)? = bytes.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    guard let base = b.baseAddress else { return nil }
                    var s = JSONCompactScanner(base: base, start: 0, end: b.count, out: o.baseAddress!, lineMode: false)
                    do throws(JSONScanStop) { try s.value(depth: 0) } catch { return nil }
                    return (Array(o[0..<s.o]), s.p)
                }
            }
            if parsed == nil { rejected += 1 }
            guard let accepted else { continue }
            // Whatever the scanner accepts, the token parser reads to the same value (up to where the scanner stopped).
            let prefix = Array(bytes[0..<accepted.end])
            #expect(try JSONParser.parse(prefix) == JSONParser.parse(accepted.compact), "\(text)")
            if accepted.end == bytes.count || bytes[accepted.end...].allSatisfy({ [32, 9, 10, 13].contains($0) }) {
                #expect(parsed != nil, "accepted what the parser rejects: \(text)")
            }
        }
        #expect(rejected > 1000)
    }

    // MARK: NDJSON against the line-by-line reference

    enum Item: Equatable {
        case record(line: Int, index: Int, fields: JSONObject, printed: [UInt8])
        case problem(line: Int, message: String)
    }

    /// What NDJSON reading was before the in-place path: split at line feeds, drop one CR, skip blank lines, parse
    /// each line with the token parser.
    static func reference(_ bytes: [UInt8], file: String) -> [Item] {
        var items: [Item] = []
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        if bytes.last == 10 { lines.removeLast() }
        var index = 0
        for (n, var line) in lines.enumerated() {
            if line.last == 13 { line.removeLast() }
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            index += 1
            do {
                let v = try JSONParser.parse(line, name: file)
                guard case .object(let o) = v else {
                    items.append(.problem(line: n + 1, message: "line holds a JSON \(v.typeName), expected an object"))
                    continue
                }
                items.append(.record(line: n + 1, index: index, fields: o, printed: JSONSerializer.bytes(v) + [10]))
            } catch let e as ReaderError {
                items.append(.problem(line: n + 1, message: e.message))
            } catch {
                Issue.record("\(error)")
            }
        }
        return items
    }

    static func drain(_ reader: inout some RecordReader) throws -> [Item] {
        var items: [Item] = []
        while let item = try reader.next() {
            switch item {
            case .record(let r):
                var sink = ByteSink(capacity: 16)
                var encoder = NDJSONLineEncoder()
                encoder.encode(r, into: &sink)
                items.append(.record(line: r.location.line, index: r.location.index, fields: r.fields, printed: Array(sink.bytes)))
                sink.deallocate()
            case .problem(let p): items.append(.problem(line: p.line, message: p.message))
            case .warning(let w): Issue.record("unexpected warning \(w)")
            }
        }
        return items
    }

    static func randomNDJSON(_ rng: inout SeededRandom, lines: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<lines {
            var line: [UInt8]
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: line = []  // blank
            case 1: line = Array(" \t \r".utf8)
            case 2: line = Array(["[1, 2]", "\"text\"", "42", "null", "{\"a\": 1} {\"b\": 2}", "{\"a\": ", "{\"a\": 01}", "{\"s\": \"\u{01}\"}",
                                  "{\"a\": 1}}", "{\"s\": \"\\ud800\"}", "{\"s\": \"\\x\"}", "nul", "{\"a\"\t1}"].randomElement(using: &rng)!.utf8)
            case 3: line = [0xFF] + Array("{\"a\": 1}".utf8)
            case 4: line = Array("{\"s\": \"bad utf8 ".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
            default: line = Array(Self.object(&rng, newlines: false, canonicalOnly: Bool.random(using: &rng)).utf8)
            }
            if Int.random(in: 0..<5, using: &rng) == 0 { line = Array("  ".utf8) + line + Array(" \t".utf8) }
            out += line
            out += Int.random(in: 0..<4, using: &rng) == 0 ? [13, 10] : [10]
        }
        if Bool.random(using: &rng) { out.removeLast(out.last == 10 && out.dropLast().last == 13 ? 2 : 1) }  // no line end at EOF
        return out
    }

    @Test(arguments: [16, 61, 1000, 1 << 20])
    func ndjsonMatchesTheLineByLineReaderAtAnyBufferSize(chunk: Int) throws {
        var rng = SeededRandom(state: UInt64(chunk))
        for round in 0..<12 {
            let bytes = Self.randomNDJSON(&rng, lines: round == 0 ? 3000 : 200)
            let path = try TestFiles.writeBytes(bytes, name: "lines.ndjson")
            let expected = Self.reference(bytes, file: path)
            for lazy in [false, true] {
                var reader = NDJSONRecordReader(source: try ByteSource(path: path, chunkSize: chunk), file: path, lazy: lazy)
                let got = try Self.drain(&reader)
                #expect(got.count == expected.count, "chunk \(chunk) lazy \(lazy)")
                for (g, e) in zip(got, expected) where g != e {
                    Issue.record("chunk \(chunk) lazy \(lazy): got \(g), expected \(e)")
                    break
                }
            }
        }
    }

    @Test func ndjsonLinesLongerThanTheBufferCRLFBlankLinesABadLineAndNoFinalLineFeed() throws {
        let long = String(repeating: "long line ", count: 300_000)  // 3 MB: longer than the 1 MiB read buffer
        let text = "{\"id\": 1, \"s\": \"\(long)\"}\r\n\r\n   \n{\"id\": 2, \"e\": \"\\u00e9\\ud83d\\ude00\\/\"}\n{\"id\": 3, oops}\n"
            + "{\"id\": 4, \"n\": [0, -0, 1.50, -2e3, 9223372036854775807, 9223372036854775808, 1e999999]}\r\n{\"id\":5}"
        let path = try TestFiles.write(text, name: "export.ndjson")
        for lazy in [false, true] {
            var reader = try NDJSONRecordReader(path: path, lazy: lazy)
            let items = try Self.drain(&reader)
            guard items.count == 5 else { Issue.record("\(items.count) items"); continue }
            guard case .record(let l1, _, let f1, _) = items[0], case .record(let l2, _, let f2, let p2) = items[1],
                  case .problem(let l3, let m3) = items[2], case .record(let l4, _, let f4, let p4) = items[3],
                  case .record(let l5, let i5, _, let p5) = items[4] else { Issue.record("\(items)"); continue }
            #expect([l1, l2, l3, l4, l5] as [Int] == [1, 4, 5, 6, 7] as [Int], "lazy \(lazy)")
            #expect(i5 == 5, "the bad line counts as read")
            #expect(f1["s"]?.stringValue?.utf8.count == long.utf8.count)
            #expect(f2["e"] == .string("é😀/"))
            #expect(String(decoding: p2, as: UTF8.self) == "{\"id\":2,\"e\":\"é😀/\"}\n")
            #expect(m3.contains("expected a quoted key"), "\(m3)")
            #expect(f4["n"] == .array([.int(0), .int(0), .double(1.5), .double(-2000), .int(Int64.max), .string("9223372036854775808"), .string("1e999999")]))
            #expect(String(decoding: p4, as: UTF8.self) == "{\"id\":4,\"n\":[0,0,1.5,-2000,9223372036854775807,\"9223372036854775808\",\"1e999999\"]}\n")
            #expect(String(decoding: p5, as: UTF8.self) == "{\"id\":5}\n")
        }
    }

    // MARK: JSON array documents, lazy and eager

    @Test(arguments: [16, 1000, 1 << 20])
    func arrayRecordsMatchTheDocumentParseWithLinesAndPointers(chunk: Int) throws {
        var rng = SeededRandom(state: 11 + UInt64(chunk))
        var text = "{\"count\": 3, \"tickets\": [\n"
        var lines: [Int] = []
        var line = 2
        let n = chunk == 1 << 20 ? 6000 : 400
        for k in 0..<n {
            let record = Self.object(&rng, newlines: true, canonicalOnly: k % 3 == 0)
            lines.append(line)
            text += record + (k < n - 1 ? ",\n" : "\n")
            line += record.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } + 1
        }
        text += "], \"next_page\": null}\n"
        let path = try TestFiles.write(text)
        guard case .array(let expected)? = try JSONParser.parse(text)["tickets"] else { Issue.record("no array"); return }
        for lazy in [false, true] {
            let source = try ByteSource(path: path, chunkSize: chunk)
            var reader = JSONRecordReader(source: source, file: path, recordsPath: "tickets", lazy: lazy)
            let items = try Self.drain(&reader)
            #expect(items.count == n)
            for (k, item) in items.enumerated() {
                guard case .record(let l, let i, let fields, let printed) = item else { Issue.record("\(item)"); break }
                let ok = l == lines[k] && i == k + 1 && JSONValue.object(fields) == expected[k]
                    && printed == JSONSerializer.bytes(expected[k]) + [10]
                if !ok { Issue.record("record \(k) (chunk \(chunk), lazy \(lazy)): line \(l) vs \(lines[k]), \(fields)"); break }
            }
        }
    }

    @Test func lazyRecordsAnswerValueLookupsLikeObjects() throws {
        let text = #"[{"id": 7, "a": {"b": [1, {"c": "x"}]}, "dup": 1, "k\u0065y": "escaped key", "dup": 2, "custom_fields": [{"id": 5, "value": "v"}]}]"#
        let path = try TestFiles.write(text)
        var eager = try JSONRecordReader(path: path)
        var lazy = try JSONRecordReader(path: path, lazy: true)
        guard case .record(let e)? = try eager.next(), case .record(let l)? = try lazy.next() else { Issue.record("no records"); return }
        guard case .json = l.storage else { Issue.record("the lazy reader made an object"); return }
        for path in ["id", "a", "a.b.1.c", "dup", "key", "custom_fields[id=5].value", "missing", "a.missing", ""] {
            #expect(l.value(at: path) == e.value(at: path), "\(path)")
        }
        #expect(l.value(at: "dup") == .int(2), "the last of repeated keys, as JSONObject finds it")
        #expect(l.fields == e.fields)
        #expect(l.location == e.location)
    }
}
