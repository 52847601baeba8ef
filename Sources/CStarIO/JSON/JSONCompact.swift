import Foundation

/// Reading and printing the compact form `JSONCompactScanner` makes: bytes already checked, with no white space
/// between tokens, so nothing here validates or can fail.
enum JSONCompact {
    /// From an opening quote: the index after the closing quote, and whether the string holds an escape.
    @inline(__always)
    static func stringEnd(_ b: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> (end: Int, escaped: Bool) {
        var i = start + 1
        var escaped = false
        while true {
            while i + 8 <= n {
                let w = UInt64(littleEndian: SWAR.load(b + i))
                let m = SWAR.equalMask(w, 0x22) | SWAR.equalMask(w, 0x5C)
                if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                i += 8
            }
            let c = b[i]
            if c == 34 { return (i + 1, escaped) }
            if c == 92 { escaped = true; i += 2; continue }  // the escaped byte is never a quote to stop at
            i += 1
        }
    }

    /// The index after the number starting at `start`.
    @inline(__always)
    static func numberEnd(_ b: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start + 1
        while i < n {
            let c = b[i]
            guard (c &- 48 < 10) || c == 46 || c == 45 || c == 43 || c | 0x20 == 101 else { break }
            i += 1
        }
        return i
    }

    /// The index after the value starting at `start`.
    static func valueEnd(_ b: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        switch b[start] {
        case 34: return stringEnd(b, start, n).end
        case 123, 91:
            var depth = 0
            var i = start
            while i < n {
                let c = b[i]
                if c == 34 { i = stringEnd(b, i, n).end; continue }
                if c == 123 || c == 91 { depth += 1 } else if c == 125 || c == 93 {
                    depth -= 1
                    if depth == 0 { return i + 1 }
                }
                i += 1
            }
            return n
        case 116, 110: return start + 4
        case 102: return start + 5
        default: return numberEnd(b, start, n)
        }
    }

    /// The top-level keys of the object at `b[0]` as written (between the quotes; `escaped` when they hold an
    /// escape), each with the first byte of its value, in order.
    static func forEachKey(_ b: UnsafePointer<UInt8>, count n: Int,
                           _ body: (_ key: UnsafeBufferPointer<UInt8>, _ escaped: Bool, _ first: UInt8) -> Void) {
        var i = 1
        if b[i] == 125 { return }
        while true {
            let (end, escaped) = stringEnd(b, i, n)
            let key = UnsafeBufferPointer(start: b + i + 1, count: end - i - 2)
            i = end + 1
            body(key, escaped, b[i])
            i = valueEnd(b, i, n)
            let d = b[i]
            i += 1
            if d == 125 { return }
        }
    }

    /// Whether the number text is printed back unchanged: an integer of at most 18 digits, not `-0`.
    @inline(__always)
    static func isCanonicalInteger(_ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let negative = b[start] == 45
        let digits = end - start - (negative ? 1 : 0)
        guard digits <= 18, !(negative && b[start + 1] == 48) else { return false }
        for i in start..<end where b[i] == 46 || b[i] | 0x20 == 101 { return false }
        return true
    }

    /// The value `JSONTokenParser` makes of a number's text.
    static func number(_ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> JSONValue {
        var integer = true
        for i in start..<end where b[i] == 46 || b[i] | 0x20 == 101 { integer = false; break }
        let negative = b[start] == 45
        if integer, end - start - (negative ? 1 : 0) <= 18 {
            var v: Int64 = 0
            for i in (negative ? start + 1 : start)..<end { v = v * 10 + Int64(b[i] - 48) }
            return .int(negative ? -v : v)
        }
        let s = String(decoding: UnsafeBufferPointer(start: b + start, count: end - start), as: UTF8.self)
        if integer, let v = Int64(s) { return .int(v) }
        // Valid JSON that no Int64 or Double holds exactly stays as its text (as the token parser keeps it).
        guard !integer, let d = Double(s), d.isFinite else { return .string(s) }
        return .double(d)
    }

    /// A string's content (between the quotes) with its escapes undone, appended to `out` as UTF-8. `JSONTokenParser`
    /// undoes the same escapes while it streams and checks; this one runs over a string the scanner already checked,
    /// in the read buffer, without the checks (the two are compared by JSONCompactReaderTests).
    static func unescape(_ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into out: inout [UInt8]) {
        var i = start
        var run = start
        while i < end {
            guard b[i] == 92 else { i += 1; continue }
            out.append(contentsOf: UnsafeBufferPointer(start: b + run, count: i - run))
            let e = b[i + 1]
            i += 2
            switch e {
            case 110: out.append(10)
            case 114: out.append(13)
            case 116: out.append(9)
            case 98: out.append(8)
            case 102: out.append(12)
            case 117:
                var scalar = hex4(b, i)
                i += 4
                if scalar & 0xFC00 == 0xD800 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(b, i + 2) - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
            run = i
        }
        out.append(contentsOf: UnsafeBufferPointer(start: b + run, count: end - run))
    }

    @inline(__always)
    static func hex4(_ b: UnsafePointer<UInt8>, _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = b[at + k]
            v = v << 4 | UInt32(c <= 57 ? c - 48 : (c | 0x20) - 87)
        }
        return v
    }

    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80: out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | s >> 6)); out.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | s >> 12)); out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        default:
            out.append(UInt8(0xF0 | s >> 18)); out.append(UInt8(0x80 | s >> 12 & 0x3F))
            out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Prints compact bytes as `JSONSerializer` prints their parsed value, without parsing: structure, literals,
    /// canonical numbers and strings without escapes are copied; other strings and numbers are re-encoded.
    static func writeCanonical<O: JSONOutput>(_ b: UnsafePointer<UInt8>, count n: Int, to out: inout O) {
        var scratch: [UInt8] = []
        var i = 0
        var run = 0
        while i < n {
            let c = b[i]
            if c == 34 {
                let (end, escaped) = stringEnd(b, i, n)
                if escaped {
                    out.append(bytes: UnsafeBufferPointer(start: b + run, count: i - run))
                    scratch.removeAll(keepingCapacity: true)
                    unescape(b, i + 1, end - 1, into: &scratch)
                    out.append(34)
                    scratch.withUnsafeBufferPointer { JSONSerializer.writeEscaped($0, to: &out) }
                    out.append(34)
                    run = end
                }
                i = end
            } else if c == 45 || c &- 48 < 10 {
                let end = numberEnd(b, i, n)
                if !isCanonicalInteger(b, i, end) {
                    out.append(bytes: UnsafeBufferPointer(start: b + run, count: i - run))
                    JSONSerializer.write(number(b, i, end), to: &out)
                    run = end
                }
                i = end
            } else {
                i += 1
            }
        }
        out.append(bytes: UnsafeBufferPointer(start: b + run, count: n - run))
    }
}

/// Makes `JSONValue`s of compact bytes. Records of one export share their keys: the keys of a record's top level
/// are compared (as bytes) with the previous record's, and when they are the same the previous key array is
/// shared, so a record costs no key strings, and writers that cache a key array's encoding (NDJSONLineEncoder)
/// find it again.
struct JSONCompactDecoder {
    private var keys: [String] = []
    /// The keys' bytes as written (between the quotes), back to back; `keyEnds[i]` is where key i's end.
    private var keyBytes: [UInt8] = []
    private var keyEnds: [Int] = []
    private var scratch: [UInt8] = []

    init() {}

    /// The object at `b[0]` (a `{`).
    mutating func object(_ b: UnsafePointer<UInt8>, count n: Int) -> JSONObject {
        var i = 1
        if b[i] == 125 { return JSONObject() }
        var values: [JSONValue] = []
        values.reserveCapacity(keys.count)
        var same = true
        var fresh: [String] = []
        var k = 0
        var ranges: [(Int, Int)] = []
        while true {
            let (end, escaped) = JSONCompact.stringEnd(b, i, n)
            let ks = i + 1, ke = end - 1
            if same, k < keys.count, keyMatches(k, b + ks, ke - ks) {
                // the cached key
            } else {
                if same {
                    same = false
                    fresh = Array(keys[0..<k])
                }
                fresh.append(string(b, ks, ke, escaped))
            }
            if !same { ranges.append((ks, ke)) }  // the bytes of the keys from where they differ
            i = end + 1  // past the colon
            values.append(value(b, &i, n))
            k += 1
            let d = b[i]
            i += 1
            if d == 125 { break }
        }
        if same {
            if k == keys.count { return JSONObject(keys: keys, values: values) }
            fresh = Array(keys[0..<k])
            // A prefix of the cached keys: keep the cache, it is the more likely shape of the next record.
            return JSONObject(keys: fresh, values: values)
        }
        // New keys: they become the cache (the bytes of the shared prefix are still at the front of keyBytes).
        let shared = k - ranges.count
        let prefixEnd = shared == 0 ? 0 : keyEnds[shared - 1]
        keyBytes.removeSubrange(prefixEnd...)
        keyEnds.removeSubrange(shared...)
        for (s, e) in ranges {
            keyBytes.append(contentsOf: UnsafeBufferPointer(start: b + s, count: e - s))
            keyEnds.append(keyBytes.count)
        }
        keys = fresh
        return JSONObject(keys: fresh, values: values)
    }

    @inline(__always)
    private func keyMatches(_ k: Int, _ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let start = k == 0 ? 0 : keyEnds[k - 1]
        guard keyEnds[k] - start == count else { return false }
        return keyBytes.withUnsafeBufferPointer { kb in memcmp(kb.baseAddress! + start, p, count) == 0 }
    }

    @inline(__always)
    private mutating func string(_ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ escaped: Bool) -> String {
        if !escaped { return String(decoding: UnsafeBufferPointer(start: b + start, count: end - start), as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        JSONCompact.unescape(b, start, end, into: &scratch)
        return scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// The value at `i`, moving `i` past it.
    mutating func value(_ b: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) -> JSONValue {
        let c = b[i]
        switch c {
        case 34:
            let (end, escaped) = JSONCompact.stringEnd(b, i, n)
            let s = string(b, i + 1, end - 1, escaped)
            i = end
            return .string(s)
        case 123:
            var o = JSONObject()
            i += 1
            if b[i] == 125 { i += 1; return .object(o) }
            while true {
                let (end, escaped) = JSONCompact.stringEnd(b, i, n)
                let key = string(b, i + 1, end - 1, escaped)
                i = end + 1
                o.appendUnchecked(key, value(b, &i, n))
                let d = b[i]
                i += 1
                if d == 125 { return .object(o) }
            }
        case 91:
            var a: [JSONValue] = []
            i += 1
            if b[i] == 93 { i += 1; return .array(a) }
            while true {
                a.append(value(b, &i, n))
                let d = b[i]
                i += 1
                if d == 93 { return .array(a) }
            }
        case 116: i += 4; return .bool(true)
        case 102: i += 5; return .bool(false)
        case 110: i += 4; return .null
        default:
            let end = JSONCompact.numberEnd(b, i, n)
            let v = JSONCompact.number(b, i, end)
            i = end
            return v
        }
    }

    /// The value of the top-level key `key` in the object at `b[0]` (the last one when the key repeats, as
    /// `JSONObject` finds it), without making the others.
    mutating func value(forKey key: String, _ b: UnsafePointer<UInt8>, count n: Int) -> JSONValue? {
        var key = key
        return key.withUTF8 { kb -> JSONValue? in
            var found: Int?
            var i = 1
            if b[i] == 125 { return nil }
            while true {
                let (end, escaped) = JSONCompact.stringEnd(b, i, n)
                let ks = i + 1, ke = end - 1
                let hit: Bool
                if escaped {
                    scratch.removeAll(keepingCapacity: true)
                    JSONCompact.unescape(b, ks, ke, into: &scratch)
                    hit = scratch.elementsEqual(kb)
                } else {
                    hit = ke - ks == kb.count && (kb.count == 0 || memcmp(b + ks, kb.baseAddress!, kb.count) == 0)
                }
                i = end + 1
                if hit { found = i }
                i = JSONCompact.valueEnd(b, i, n)
                let d = b[i]
                i += 1
                if d == 125 { break }
            }
            guard var at = found else { return nil }
            return value(b, &at, n)
        }
    }
}
