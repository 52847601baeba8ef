import Foundation
import Testing
@testable import CStarSandbox

/// The byte-level parser and encoder of the sandbox against the Foundation decoding and the String encoder they
/// replace: differential tests over random documents (seeded, so a failure is reproducible).
@Suite struct SJSONParserTests {
    /// SplitMix64 (the test target has no shared support module).
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// The value with its cases spelled out: `.int(1)` and `.double(1.0)` encode alike but are not the same.
    static func tagged(_ v: SJSON) -> String {
        switch v {
        case .null: return "n"
        case .bool(let b): return b ? "T" : "F"
        case .int(let i): return "i\(i)"
        case .double(let d): return "d\(d.bitPattern)"
        case .string(let s): return "s\(Array(s.utf8))"
        case .array(let a): return "[" + a.map(tagged).joined(separator: ",") + "]"
        case .object(let p): return "{" + p.map { "\(Array($0.0.utf8)):\(tagged($0.1))" }.joined(separator: ",") + "}"
        }
    }

    // MARK: Random JSON text

    static let stringPieces: [String] = ["a", "Zendesk", " ", "é", "ü", "日本", "😀", "\u{2028}", "\u{7F}", "\u{FFFF}", "<p>", "&amp;", "1", "-", "_", "e\u{301}", "Å"]

    static func randomStringText(_ r: inout Rand) -> String {
        var out = "\""
        for _ in 0..<r.below(8) {
            switch r.below(12) {
            case 0: out += r.pick(["\\n", "\\t", "\\r", "\\b", "\\f", "\\/", "\\\\", "\\\""])
            case 1: out += String(format: "\\u%04x", r.pick([0, 1, 0x1F, 0x41, 0xE9, 0x2028, 0xFFFF, 0x65E5]))
            case 2: out += r.pick(["\\ud83d\\ude00", "\\uD83D\\uDE00", "\\u00e9", "\\u00C9"])
            case 3 where r.chance(10): out += r.pick(["\\ud800", "\\udc00x", "\\x", "\\u12", "\u{01}", "\t"])  // invalid in JSON
            default: out += r.pick(stringPieces)
            }
        }
        return out + "\""
    }

    static func randomNumberText(_ r: inout Rand) -> String {
        switch r.below(14) {
        case 0: return r.pick(["0", "-0", "1", "-1", "42"])
        case 1: return String(Int64(bitPattern: r.next()) >> r.below(64))
        case 2: return r.pick(["999999999999999999", "-999999999999999999", "1000000000000000000", "9223372036854775807",
                               "-9223372036854775808", "9223372036854775808", "18446744073709551616", "123456789012345678901234"])
        case 3: return r.pick(["1.0", "-1.0", "0.0", "-0.0", "2.50", "1e2", "1E2", "1e+2", "1e-2", "-1.5e3", "0.1", "3.14159"])
        case 4: return r.pick(["1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308", "9007199254740993", "9.007199254740993e15"])
        case 5: return r.pick(["1.00000000000000000001", "0.30000000000000004", "123.456e-7", "5e15", "9e15", "9.1e15", "1e17", "1e19", "1e20"])
        case 6 where r.chance(10): return r.pick(["01", "1.", ".5", "-", "+1", "1e", "0x10", "NaN", "Infinity", "--1"])  // invalid
        default:
            let digits = String(r.below(1_000_000))
            switch r.below(4) {
            case 0: return digits
            case 1: return "-" + digits
            case 2: return digits + "." + String(r.below(1000))
            default: return digits + "e" + r.pick(["", "-", "+"]) + String(r.below(20))
            }
        }
    }

    static let keys = ["id", "title", "status", "customFields", "metadata", "a", "b", "B", "é", "e\u{301}", "Z", "_x", "10", "2", "", "日本", "😀", "key with space", "a\\u0062"]

    static func randomSpace(_ r: inout Rand) -> String {
        r.chance(70) ? "" : r.pick([" ", "\n", "\t", "\r\n", "  "])
    }

    static func randomText(_ r: inout Rand, depth: Int = 0) -> String {
        let kind = depth >= 5 ? r.below(4) : r.below(7)
        switch kind {
        case 0: return randomStringText(&r)
        case 1: return randomNumberText(&r)
        case 2: return r.pick(["true", "false", "null"])
        case 3: return randomStringText(&r)
        case 4, 5:
            var keys: [String] = []
            for _ in 0..<r.below(6) {
                keys.append(r.chance(90) ? "\"" + r.pick(Self.keys) + "\"" : randomStringText(&r))
            }
            let members = keys.map { $0 + randomSpace(&r) + ":" + randomSpace(&r) + randomText(&r, depth: depth + 1) }
            return "{" + randomSpace(&r) + members.joined(separator: "," + randomSpace(&r)) + randomSpace(&r) + "}"
        default:
            let items = (0..<r.below(5)).map { _ in randomSpace(&r) + randomText(&r, depth: depth + 1) }
            return "[" + items.joined(separator: ",") + randomSpace(&r) + "]"
        }
    }

    /// Every document the byte-level parser reads, it reads as the Foundation decoding does; every document it
    /// declines still gets the old answer through `SJSON.parse`.
    @Test func parserAgreesWithTheFoundationDecodingOnRandomDocuments() throws {
        var r = Rand(state: 20)
        var fastRead = 0, declinedValid = 0, invalid = 0
        let n = 6_000
        for _ in 0..<n {
            let doc = Self.randomSpace(&r) + Self.randomText(&r) + Self.randomSpace(&r)
            var bytes = Array(doc.utf8)
            if r.chance(5), !bytes.isEmpty {  // corrupt some: truncate, or put a byte where it does not belong (invalid UTF-8 too)
                let at = r.below(bytes.count)
                if r.chance(50) { bytes.removeSubrange(at...) } else { bytes.insert(r.pick(Array("{}[],:\"\\x0 ".utf8) + [0xFF, 0xC3, 0x80]), at: at) }
            }
            let data = Data(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            let reference = try? SJSON.decodeWithFoundation(data)
            let fast = SJSONParser.parse(data)
            if let fast {
                fastRead += 1
                let ref = try #require(reference, "parsed a document Foundation rejects: \(text)")
                #expect(Self.tagged(fast) == Self.tagged(ref), "\(text)")
                #expect(fast.encodedBytes() == ref.encodedBytes(), "\(text)")
            } else if reference != nil {
                declinedValid += 1
            } else {
                invalid += 1
            }
            #expect(SJSON.parse(data).map(Self.tagged) == reference.map(Self.tagged), "\(text)")
        }
        // Not vacuous: most documents take the fast path, and invalid ones were tried.
        #expect(fastRead > n * 3 / 4, "fast \(fastRead), declined \(declinedValid), invalid \(invalid)")
        #expect(invalid > 50)
    }

    @Test func invalidUTF8AndLoneSurrogatesAreDeclinedNotMisread() {
        let cases: [[UInt8]] = [
            Array("\"a".utf8) + [0xFF] + Array("\"".utf8),
            Array("\"".utf8) + [0xC3] + Array("\"".utf8),
            Array("\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"".utf8),  // an encoded surrogate
            Array("\"".utf8) + [0xC0, 0xAF] + Array("\"".utf8),  // overlong
            Array("\"\\ud800\"".utf8), Array("\"\\udc00\"".utf8), Array("\"\\ud800\\u0041\"".utf8),
            Array("{\"a\":1,\"a\":2}".utf8), Array("[1,]".utf8), Array("{\"a\":1,}".utf8), Array("\u{FEFF}{}".utf8),
        ]
        for bytes in cases { #expect(SJSONParser.parse(bytes) == nil, "\(bytes)") }
        #expect(SJSONParser.parse(Array("\"\\ud83d\\ude00\"".utf8)) == .string("😀"))
        #expect(SJSONParser.parse(Array("{\"b\":1,\"a\":[true,null,-0,1.0,1.5]}".utf8)).map(Self.tagged)
                == Self.tagged(.object([("a", .array([.bool(true), .null, .int(0), .int(1), .double(1.5)])), ("b", .int(1))])))
    }

    // MARK: Encoder

    /// The encoder the byte writer replaced (String appends, one scalar at a time), kept as the reference.
    static func referenceEncoded(_ v: SJSON) -> String {
        var out = ""
        func string(_ s: String) {
            out += "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            out += "\""
        }
        func write(_ v: SJSON) {
            switch v {
            case .null: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .double(let d):
                if d.isFinite, d.rounded() == d, abs(d) < 1e15 { out += String(Int64(d)) } else if d.isFinite { out += "\(d)" } else { out += "null" }
            case .string(let s): string(s)
            case .array(let a):
                out += "["
                for (i, x) in a.enumerated() { if i > 0 { out += "," }; write(x) }
                out += "]"
            case .object(let pairs):
                out += "{"
                for (i, (k, x)) in pairs.enumerated() { if i > 0 { out += "," }; string(k); out += ":"; write(x) }
                out += "}"
            }
        }
        write(v)
        return out
    }

    static func randomValue(_ r: inout Rand, depth: Int = 0) -> SJSON {
        switch depth >= 4 ? r.below(5) : r.below(8) {
        case 0: return .null
        case 1: return .bool(r.chance(50))
        case 2: return .int(r.pick([0, 1, -1, 9, 10, -10, .max, .min, Int64(bitPattern: r.next()) >> r.below(64)]))
        case 3: return .double(r.pick([0.5, -0.0, 1e15, 1e14, 123.0, 1e300, .infinity, .nan, Double(bitPattern: r.next())]))
        case 4:
            var s = ""
            for _ in 0..<r.below(10) {
                if r.chance(30) { s.unicodeScalars.append(Unicode.Scalar(UInt8(r.below(0x20)))) } else { s += r.pick(stringPieces + ["\"", "\\", "/"]) }
            }
            return .string(s)
        case 5, 6: return .object((0..<r.below(5)).map { _ in (r.pick(keys + ["\u{0}", "q\"uote"]), randomValue(&r, depth: depth + 1)) })
        default: return .array((0..<r.below(5)).map { _ in randomValue(&r, depth: depth + 1) })
        }
    }

    @Test func byteEncoderWritesTheBytesOfTheStringEncoder() {
        var r = Rand(state: 7)
        for _ in 0..<4_000 {
            let v = Self.randomValue(&r)
            let reference = Self.referenceEncoded(v)
            #expect(v.encodedBytes() == Array(reference.utf8))
            #expect(v.encoded() == reference)
            #expect(v.data == Data(reference.utf8))
            // What the sandbox writes, it reads back as the same document (keys sorted, as the decoding has them).
            if let back = SJSONParser.parse(v.encodedBytes()) {
                #expect(back.encodedBytes() == (try? SJSON.decodeWithFoundation(v.data))?.encodedBytes())
            }
        }
    }

    // MARK: Timestamps and blank checks

    @Test func timestampsAreFormattedAsBefore() {
        func reference(_ date: Date) -> String {
            let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            var secs = time_t(ms / 1000)
            var t = tm()
            gmtime_r(&secs, &t)
            func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
            return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(ms % 1000), 3))Z"
        }
        var r = Rand(state: 3)
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: Double(Int64(bitPattern: r.next()) % 400_000_000_000) / 100)
            #expect(Timestamps.format(date) == reference(date))
        }
        #expect(Timestamps.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func blankMeansNothingLeftAfterTrimmingWhitespace() {
        for s in ["", " ", "\t", " \t ", "\u{00A0}", "\u{2003}x", "x", " a ", "\n", "\u{3000}", "é", " \u{200B}"] {
            #expect(RecordValidator.isBlank(s) == (s.trimmingCharacters(in: .whitespaces) == ""), "\(Array(s.unicodeScalars))")
        }
    }

    // MARK: Ids

    @Test func newIdsKeepTheirShapeAndSortByCreation() throws {
        var seen = Set<String>()
        var previous = ""
        for k in 0..<2_000 {
            let at = Date(timeIntervalSince1970: 1_800_000_000 + Double(k) / 100)
            let id = ResourceSchema.newId(prefix: "tkt_", now: at)
            #expect(id.hasPrefix("tkt_"))
            let hex = id.dropFirst(4)
            #expect(hex.count == 32 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(Array(hex)[12] == "7")  // version 7
            #expect("89ab".contains(Array(hex)[16]))  // RFC 9562 variant
            #expect(seen.insert(id).inserted)
            if k % 10 == 0 { #expect(previous < id, "ids of later milliseconds sort later"); previous = id }
            // The raw UUID form of the id still resolves to it.
            let h = Array(hex)
            let dashed: String = String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20...])
            let uuid = try #require(UUID(uuidString: dashed))
            #expect(Schemas.tickets.canonicalId(uuid.uuidString) == id)
        }
        let bare = ResourceSchema.newId(prefix: nil)
        #expect(UUID(uuidString: bare)?.uuidString.lowercased() == bare)
        #expect(Schemas.categories.canonicalId(bare.uppercased()) == bare)
    }
}
