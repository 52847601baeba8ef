import Foundation

/// A byte-level JSON parser for the sandbox's request bodies and stored records.
///
/// It builds exactly the `SJSON` that the Foundation decoding (`SJSON.decodeWithFoundation`) builds: object keys
/// sorted by `String` order, integers as `.int` (also `1.0` or `1e2`, which are whole), other numbers as `.double`.
/// Whatever it is not sure to read the same way (invalid or unusual documents: duplicate keys, lone surrogates,
/// invalid UTF-8, 19-digit numbers, very deep nesting) it declines (nil), and the caller falls back to Foundation, so
/// errors and edge cases keep their old answers. A differential test (SJSONParserTests) holds the two together.
struct SJSONParser {
    private let p: UnsafePointer<UInt8>
    private let end: Int
    private var i = 0
    private var depth = 0
    /// Scratch for strings with escapes, reused.
    private var scratch: [UInt8] = []
    static let maxDepth = 200

    private init(_ p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.end = count
    }

    /// The document in `bytes`, or nil when it is not JSON or not one this parser reads with certainty.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> SJSON? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        var parser = SJSONParser(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        parser.skipSpace()
        guard let v = parser.value() else { return nil }
        parser.skipSpace()
        return parser.i == parser.end ? v : nil
    }

    static func parse(_ data: Data) -> SJSON? { data.withUnsafeBytes { parse($0) } }
    static func parse(_ bytes: [UInt8]) -> SJSON? { bytes.withUnsafeBytes { parse($0) } }

    private mutating func skipSpace() {
        while i < end {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    private mutating func value() -> SJSON? {
        guard i < end else { return nil }
        switch p[i] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard end - i >= n else { return false }
        let w = word.utf8Start
        for k in 0..<n where p[i + k] != w[k] { return false }
        i += n
        return true
    }

    private mutating func object() -> SJSON? {
        depth += 1
        guard depth <= Self.maxDepth else { return nil }
        defer { depth -= 1 }
        i += 1
        var pairs: [(String, SJSON)] = []
        skipSpace()
        if i < end, p[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        while true {
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard let v = value() else { return nil }
            pairs.append((key, v))
            skipSpace()
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; break }
            return nil
        }
        // The Foundation decoding lists keys sorted (`String` order); keys it would take as one are declined.
        var sorted = true
        for k in 1..<max(1, pairs.count) where !(pairs[k - 1].0 < pairs[k].0) { sorted = false; break }
        if !sorted {
            pairs.sort { $0.0 < $1.0 }
            for k in 1..<pairs.count where pairs[k - 1].0 == pairs[k].0 { return nil }
        }
        return .object(pairs)
    }

    private mutating func array() -> SJSON? {
        depth += 1
        guard depth <= Self.maxDepth else { return nil }
        defer { depth -= 1 }
        i += 1
        var items: [SJSON] = []
        skipSpace()
        if i < end, p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            guard let v = value() else { return nil }
            items.append(v)
            skipSpace()
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            return nil
        }
    }

    // MARK: Numbers

    private mutating func number() -> SJSON? {
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < end, Self.isDigit(p[i]) else { return nil }
        var digits = 0
        var magnitude: Int64 = 0
        if p[i] == UInt8(ascii: "0") {
            i += 1
            digits = 1
        } else {
            while i < end, Self.isDigit(p[i]) {
                digits += 1
                if digits <= 18 { magnitude = magnitude * 10 + Int64(p[i] - 48) }
                i += 1
            }
        }
        var plainInteger = true
        if i < end, p[i] == UInt8(ascii: ".") {
            plainInteger = false
            i += 1
            guard i < end, Self.isDigit(p[i]) else { return nil }
            while i < end, Self.isDigit(p[i]) { i += 1 }
        }
        if i < end, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            plainInteger = false
            i += 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < end, Self.isDigit(p[i]) else { return nil }
            while i < end, Self.isDigit(p[i]) { i += 1 }
        }
        if plainInteger {
            guard digits <= 18 else { return nil }
            return .int(negative ? -magnitude : magnitude)
        }
        // Fractions and exponents: a whole value in Int64's range is an integer, as the Foundation decoding has it.
        guard i - start <= 40 else { return nil }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { return nil }
        if d.rounded() == d, abs(d) < 9.0e15 { return .int(Int64(d)) }
        if d.rounded() == d, abs(d) < 9.3e18 { return nil }  // whole but near Int64's limits: not sure, decline
        return .double(d)
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

    // MARK: Strings

    /// A string starting at the quote under `i`; nil when it is not valid (or holds a lone surrogate escape).
    private mutating func string() -> String? {
        i += 1
        let start = i
        var ascii = true
        // Fast path: no escape.
        while i < end {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(start: p + start, count: i - start)
                i += 1
                if !ascii, !Self.validUTF8(bytes) { return nil }
                return String(decoding: bytes, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { return nil }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        guard i < end else { return nil }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        while i < end {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                if !ascii, !scratch.withUnsafeBufferPointer(Self.validUTF8) { return nil }
                return String(decoding: scratch, as: UTF8.self)
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") {
                if c >= 0x80 { ascii = false }
                scratch.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < end else { return nil }
            let e = p[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard end - i >= 6, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else { return nil }
                    i += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    return nil
                }
                Self.appendUTF8(scalar, to: &scratch)
            default:
                return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard end - i >= 4 else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - 55
            default: return nil
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80: out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (s >> 6))); out.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (s >> 12))); out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (s >> 18))); out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
        }
    }

    /// Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
    static func validUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        let n = b.count
        while k < n {
            let c = b[k]
            if c < 0x80 { k += 1; continue }
            func cont(_ j: Int) -> Bool { j < n && b[j] & 0xC0 == 0x80 }
            if c >= 0xC2, c <= 0xDF {
                guard cont(k + 1) else { return false }
                k += 2
            } else if c >= 0xE0, c <= 0xEF {
                guard cont(k + 1), cont(k + 2) else { return false }
                let c1 = b[k + 1]
                if c == 0xE0, c1 < 0xA0 { return false }
                if c == 0xED, c1 > 0x9F { return false }
                k += 3
            } else if c >= 0xF0, c <= 0xF4 {
                guard cont(k + 1), cont(k + 2), cont(k + 3) else { return false }
                let c1 = b[k + 1]
                if c == 0xF0, c1 < 0x90 { return false }
                if c == 0xF4, c1 > 0x8F { return false }
                k += 4
            } else {
                return false
            }
        }
        return true
    }
}
