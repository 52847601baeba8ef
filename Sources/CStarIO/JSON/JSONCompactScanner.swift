/// Why a compact scan stopped before the end of its value.
enum JSONScanStop: Error {
    /// The value goes on past the bytes in the buffer (read more and scan again from the start).
    case needMore
    /// Not a value this scanner accepts: the caller hands the same bytes to `JSONTokenParser`, which gives the
    /// exact diagnostic (or, for the rare valid input the scanner declines, such as nesting deeper than it
    /// goes, the value).
    case declined
}

/// Validates one JSON value in place in a contiguous buffer and copies it, without insignificant white space,
/// to `out` (the "compact" form: the same tokens, strings and numbers exactly as written). It accepts exactly
/// what `JSONTokenParser` accepts (or declines), so the compact bytes always parse, and parse to the same value
/// as the original text.
///
/// `canonical` stays true while the compact bytes are also what `JSONSerializer` prints for the parsed value:
/// no escape other than the serializer's own (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, `\u00xx` for other
/// controls), and numbers only as integers of at most 18 digits (not `-0`). A canonical record is printed by
/// copying its bytes.
///
/// Strings, the bulk of export records, are scanned and copied eight bytes at a time.
struct JSONCompactScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    /// Reading position.
    var p: Int
    /// Output; room for `end - p + 16` bytes (output never outgrows input, plus one word of overshoot).
    let out: UnsafeMutablePointer<UInt8>
    var o = 0
    /// Line feeds passed in white space.
    var lines = 0
    var canonical = true
    /// NDJSON: a line feed ends the input (a value cannot go on to the next line).
    let lineMode: Bool

    /// Deep nests are left to the token parser (whose limit is 512): this one recurses on the reader's stack.
    static let maxDepth = 400

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, out: UnsafeMutablePointer<UInt8>, lineMode: Bool) {
        self.base = base
        self.p = start
        self.end = end
        self.out = out
        self.lineMode = lineMode
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while p < end {
            let c = base[p]
            if c == 32 || c == 13 || c == 9 {
                p += 1
            } else if c == 10 {
                if lineMode { return }
                lines += 1
                p += 1
            } else {
                return
            }
        }
    }

    /// The byte at `p` after white space (a line feed in line mode ends the value: declined).
    @inline(__always)
    mutating func nextToken() throws(JSONScanStop) -> UInt8 {
        skipWhitespace()
        guard p < end else { throw .needMore }
        let c = base[p]
        if c == 10 { throw .declined }
        return c
    }

    @inline(__always)
    mutating func emit(_ c: UInt8) {
        out[o] = c
        o += 1
    }

    mutating func value(depth: Int) throws(JSONScanStop) {
        let c = try nextToken()
        switch c {
        case 34: try string()
        case 123: try object(depth: depth)
        case 91: try array(depth: depth)
        case 116: try literal(0x6575_7274, 4)  // "true"
        case 102: try literal5()
        case 110: try literal(0x6C6C_756E, 4)  // "null"
        case 45, 48...57: try number()
        default: throw .declined
        }
    }

    mutating func object(depth: Int) throws(JSONScanStop) {
        guard depth < Self.maxDepth else { throw .declined }
        emit(123)
        p += 1
        if try nextToken() == 125 {
            emit(125)
            p += 1
            return
        }
        while true {
            guard try nextToken() == 34 else { throw .declined }
            try string()
            guard try nextToken() == 58 else { throw .declined }
            emit(58)
            p += 1
            try value(depth: depth + 1)
            let d = try nextToken()
            emit(d)
            p += 1
            if d == 125 { return }
            guard d == 44 else { throw .declined }
        }
    }

    mutating func array(depth: Int) throws(JSONScanStop) {
        guard depth < Self.maxDepth else { throw .declined }
        emit(91)
        p += 1
        if try nextToken() == 93 {
            emit(93)
            p += 1
            return
        }
        while true {
            try value(depth: depth + 1)
            let d = try nextToken()
            emit(d)
            p += 1
            if d == 93 { return }
            guard d == 44 else { throw .declined }
        }
    }

    /// `true` or `null`: four bytes, compared as one little-endian word.
    @inline(__always)
    mutating func literal(_ word: UInt32, _ n: Int) throws(JSONScanStop) {
        guard p + 4 <= end else { throw .needMore }
        guard UnsafeRawPointer(base + p).loadUnaligned(as: UInt32.self) == UInt32(littleEndian: word) else { throw .declined }
        for k in 0..<4 { out[o + k] = base[p + k] }
        o += 4
        p += 4
    }

    @inline(__always)
    mutating func literal5() throws(JSONScanStop) {
        guard p + 5 <= end else { throw .needMore }
        guard base[p + 1] == 97, base[p + 2] == 108, base[p + 3] == 115, base[p + 4] == 101 else { throw .declined }  // alse
        for k in 0..<5 { out[o + k] = base[p + k] }
        o += 5
        p += 5
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

    mutating func number() throws(JSONScanStop) {
        let start = p
        var negative = false
        if base[p] == 45 { negative = true; p += 1 }
        guard p < end else { throw .needMore }
        let first = base[p]
        guard Self.isDigit(first) else { throw .declined }
        p += 1
        if first != 48 {
            while p < end, Self.isDigit(base[p]) { p += 1 }
        }
        let digits = p - start - (negative ? 1 : 0)
        var integer = true
        if p < end, base[p] == 46 {  // .
            integer = false
            p += 1
            guard p < end else { throw .needMore }
            guard Self.isDigit(base[p]) else { throw .declined }
            while p < end, Self.isDigit(base[p]) { p += 1 }
        }
        if p < end, base[p] | 0x20 == 101 {  // e E
            integer = false
            p += 1
            guard p < end else { throw .needMore }
            if base[p] == 43 || base[p] == 45 { p += 1 }
            guard p < end else { throw .needMore }
            guard Self.isDigit(base[p]) else { throw .declined }
            while p < end, Self.isDigit(base[p]) { p += 1 }
        }
        // The number may go on in the next read; and what the token parser would take as part of it
        // (`01`, `1-2`, `1.5.5`) is an error it words.
        guard p < end else { throw .needMore }
        let next = base[p]
        if Self.isDigit(next) || next == 45 || next == 43 || next == 46 || next | 0x20 == 101 { throw .declined }
        if !integer || digits > 18 || (negative && first == 48) { canonical = false }
        let n = p - start
        (out + o).update(from: base + start, count: n)
        o += n
    }

    /// A string from its opening quote, copied with its escapes as written; checks escapes and UTF-8.
    mutating func string() throws(JSONScanStop) {
        emit(34)
        p += 1
        while true {
            // Eight bytes at a time up to the first quote, backslash, control or non-ASCII byte. The word is
            // stored whole: the output has a word of room, and the bytes after the match are overwritten next.
            while p + 8 <= end {
                let w = UInt64(littleEndian: SWAR.load(base + p))
                UnsafeMutableRawPointer(out + o).storeBytes(of: w.littleEndian, as: UInt64.self)
                let special = SWAR.lessMask(w, 0x20) | SWAR.equalMask(w, 0x22) | SWAR.equalMask(w, 0x5C) | (w & SWAR.highs)
                if special == 0 {
                    p += 8
                    o += 8
                    continue
                }
                let k = special.trailingZeroBitCount >> 3
                p += k
                o += k
                break
            }
            guard p < end else { throw .needMore }
            let c = base[p]
            if c == 34 {
                emit(34)
                p += 1
                return
            }
            if c == 92 {
                try escape()
            } else if c >= 0x80 {
                try utf8Sequence(c)
            } else if c < 0x20 {
                throw .declined
            } else {
                emit(c)
                p += 1
            }
        }
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    /// Four hex digits at `at`.
    @inline(__always)
    func hex4(_ at: Int) throws(JSONScanStop) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = Self.hexValue(base[at + k]) else { throw .declined }
            v = v << 4 | d
        }
        return v
    }

    mutating func escape() throws(JSONScanStop) {
        guard p + 2 <= end else { throw .needMore }
        let e = base[p + 1]
        switch e {
        case 34, 92, 110, 114, 116, 98, 102:  // " \ n r t b f: as the serializer writes them
            emit(92)
            emit(e)
            p += 2
        case 47:  // \/ prints as /
            canonical = false
            emit(92)
            emit(e)
            p += 2
        case 117:
            guard p + 6 <= end else { throw .needMore }
            let v = try hex4(p + 2)
            var n = 6
            if v & 0xFC00 == 0xD800 {
                guard p + 12 <= end else { throw .needMore }
                guard base[p + 6] == 92, base[p + 7] == 117 else { throw .declined }
                let low = try hex4(p + 8)
                guard low & 0xFC00 == 0xDC00 else { throw .declined }
                n = 12
                canonical = false
            } else if v & 0xFC00 == 0xDC00 {
                throw .declined
            } else if v >= 0x20 || v == 8 || v == 9 || v == 10 || v == 12 || v == 13 || base[p + 2] != 48 || base[p + 3] != 48
                        || base[p + 4] >= 65 && base[p + 4] <= 70 || base[p + 5] >= 65 && base[p + 5] <= 70 {
                // The serializer writes only other controls as \u00xx (lowercase), the rest as characters.
                canonical = false
            }
            (out + o).update(from: base + p, count: n)
            o += n
            p += n
        default:
            throw .declined
        }
    }

    /// One multi-byte UTF-8 sequence, checked as `UTF8Text.isValid` does (no overlongs, surrogates or
    /// scalars past U+10FFFF).
    @inline(__always)
    mutating func utf8Sequence(_ c: UInt8) throws(JSONScanStop) {
        let len: Int
        var scalar: UInt32
        let minimum: UInt32
        switch c {
        case 0xC2...0xDF: len = 2; scalar = UInt32(c & 0x1F); minimum = 0x80
        case 0xE0...0xEF: len = 3; scalar = UInt32(c & 0x0F); minimum = 0x800
        case 0xF0...0xF4: len = 4; scalar = UInt32(c & 0x07); minimum = 0x10000
        default: throw .declined
        }
        guard p + len <= end else { throw .needMore }
        for k in 1..<len {
            let cc = base[p + k]
            guard cc & 0xC0 == 0x80 else { throw .declined }
            scalar = scalar << 6 | UInt32(cc & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, scalar & 0xFFFF_F800 != 0xD800 else { throw .declined }
        for k in 0..<len { out[o + k] = base[p + k] }
        o += len
        p += len
    }

    /// NDJSON: after a line's value, only spaces, tabs and carriage returns up to the line feed (consumed) or
    /// the end of input. Returns false when something else follows on the line.
    mutating func finishLine(atEOF: Bool) throws(JSONScanStop) -> Bool {
        while p < end {
            let c = base[p]
            if c == 10 { p += 1; return true }
            guard c == 32 || c == 9 || c == 13 else { return false }
            p += 1
        }
        if atEOF { return true }
        throw .needMore
    }
}
