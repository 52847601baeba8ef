/// What the byte-level converter needs to know about scalars and names, each table checked against the Swift and
/// Foundation behaviour it stands for (HTMLConverterDifferentialTests checks every scalar).
extension HTMLBytes {
    enum Tag: UInt8 {
        case other, script, style, head, br, p, div, h1, h2, h3, h4, h5, h6, table, blockquote, pre, ul, ol, li, tr, td, th
        case img, a, strong, b, em, i, code, hr
    }

    // MARK: Scalars

    /// Whether `v` is always a grapheme cluster of its own, whatever surrounds it, and is canonically equivalent to
    /// no ASCII character. Over input where every scalar is such (and decoded entities too), Swift's Characters are
    /// exactly the scalars, except "\r\n", which is one Character: the byte path's premise. Conservative: a scalar
    /// answered `true` must be Grapheme_Cluster_Break Other, Control, CR, LF, LV or LVT (precomposed Hangul
    /// syllables join only conjoining jamo, which are answered `false`); answering `false` for a safe one only sends
    /// that input to the legacy converter. Marks of any kind (Mn, Mc, Me), format characters (Cf: ZWJ, ZWNJ,
    /// prepended concatenation marks, tags) bar the few common ones that are Control, regional indicators, emoji
    /// modifiers, conjoining jamo, the Prepend and SpacingMark letters, and U+037E, U+1FEF, U+212A, which Swift
    /// compares equal to ";", "`" and "K".
    @inline(__always)
    static func isSafeScalar(_ v: UInt32) -> Bool {
        if v < 0x300 { return true }
        if v < 0x370 { return false }
        switch v {
        case 0x037E, 0x1FEF, 0x212A: return false
        case 0x0D4E, 0x0E33, 0x0EB3, 0x1100...0x11FF, 0xA960...0xA97F, 0xD7B0...0xD7FF, 0xFF9E...0xFF9F, 0x111C2...0x111C3,
             0x113D1, 0x1193F, 0x11941, 0x11A3A, 0x11A84...0x11A89, 0x11D46, 0x11F02, 0x1F1E6...0x1F1FF, 0x1F3FB...0x1F3FF:
            return false
        // The common scripts and symbols, without a table lookup: no marks or format characters in these ranges.
        case 0x0370...0x037D, 0x037F...0x0482, 0x048A...0x0590, 0x05D0...0x05FF, 0x2010...0x2027, 0x2030...0x205E,
             0x20A0...0x20CF, 0x2100...0x2129, 0x212B...0x2BFF, 0x3000...0x3029, 0x3030...0x3098, 0x309B...0x30FF,
             0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x1F300...0x1F3FA, 0x1F400...0x1F64F:
            return true
        default: break
        }
        guard let s = Unicode.Scalar(v) else { return false }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return false
        // Soft hyphen, zero-width space, direction marks, word joiner, BOM: Control, so their own cluster.
        case .format: return v == 0x00AD || v == 0x200B || v == 0x200E || v == 0x200F || v == 0x2060 || v == 0xFEFF
        default: return true
        }
    }

    /// `Character.isWhitespace` of a one-scalar Character (Unicode White_Space).
    @inline(__always)
    static func isWhiteSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Foundation's `CharacterSet.whitespaces`, what the legacy `tidy` and close-tag names trim: tab and general
    /// category Zs, and (on this Foundation, as checked over every scalar) U+200B ZERO WIDTH SPACE, Zs in old Unicode.
    @inline(__always)
    static func isSpaceOrTab(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The scalar whose UTF-8 starts at `p[i]` (valid UTF-8: it comes from a Swift String) and its length.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b = UInt32(p[i])
        if b < 0x80 { return (b, 1) }
        if b < 0xE0 { return ((b & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
        if b < 0xF0 { return ((b & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3) }
        return ((b & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F), 4)
    }

    @inline(__always)
    static func scalarLength(_ lead: UInt8) -> Int { lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4 }

    /// Whether every scalar of the input is safe (`isSafeScalar`); ASCII eight bytes at a time.
    static func allScalarsSafe(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            if i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if p[i] < 0x80 { i += 1; continue }
            let (v, len) = decode(p, i)
            if !isSafeScalar(v) { return false }
            i += len
        }
        return true
    }

    /// One scalar as UTF-8 (the JSON reader's encoder: one copy of it).
    @inline(__always)
    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) { JSONCompact.appendUTF8(v, to: &out) }

    // MARK: Entities

    /// The legacy converter's named entities, keyed by their name's bytes packed into a UInt64 (names are ASCII and
    /// at most eight bytes long, so packing is one to one): the same table, not a copy that could drift.
    static let namedEntities: [UInt64: [UInt32]] = {
        var table: [UInt64: [UInt32]] = [:]
        for (name, value) in LegacyHTMLConverter.entities {
            let bytes = Array(name.utf8)
            precondition(bytes.count <= 8 && bytes.allSatisfy { $0 > 0 && $0 < 0x80 }, "entity names are short ASCII")
            table[bytes.withUnsafeBufferPointer { HTMLBytes.pack($0.baseAddress!, 0, bytes.count) }] = value.unicodeScalars.map(\.value)
        }
        return table
    }()

    @inline(__always)
    static func pack(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var key: UInt64 = 0
        var i = end
        while i > start { i -= 1; key = key << 8 | UInt64(p[i]) }
        return key
    }

    // MARK: Tag names

    /// The legacy converter's `lowercased()` name compared with its tag lists. ASCII names are lowercased here;
    /// any other name goes through `String.lowercased()` as before (Unicode case mapping is not byte work).
    static func tag(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Tag {
        let count = end - start
        guard count >= 1 else { return .other }
        var i = start
        while i < end { if p[i] >= 0x80 { return tag(named: String(decoding: UnsafeBufferPointer(start: p + start, count: count), as: UTF8.self).lowercased()) }; i += 1 }
        guard count <= 10 else { return .other }
        @inline(__always) func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
        @inline(__always) func c(_ k: Int) -> UInt8 { lower(p[start + k]) }
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == count else { return false }
            let q = s.utf8Start
            for k in 0..<count where lower(p[start + k]) != q[k] { return false }
            return true
        }
        switch count {
        case 1:
            switch c(0) {
            case 0x61: return .a
            case 0x62: return .b
            case 0x69: return .i
            case 0x70: return .p
            default: return .other
            }
        case 2:
            let c0 = c(0), c1 = c(1)
            switch (c0, c1) {
            case (0x62, 0x72): return .br
            case (0x75, 0x6C): return .ul
            case (0x6F, 0x6C): return .ol
            case (0x6C, 0x69): return .li
            case (0x74, 0x72): return .tr
            case (0x74, 0x64): return .td
            case (0x74, 0x68): return .th
            case (0x65, 0x6D): return .em
            case (0x68, 0x72): return .hr
            case (0x68, 0x31): return .h1
            case (0x68, 0x32): return .h2
            case (0x68, 0x33): return .h3
            case (0x68, 0x34): return .h4
            case (0x68, 0x35): return .h5
            case (0x68, 0x36): return .h6
            default: return .other
            }
        case 3: return eq("div") ? .div : eq("pre") ? .pre : eq("img") ? .img : .other
        case 4: return eq("head") ? .head : eq("code") ? .code : .other
        case 5: return eq("style") ? .style : eq("table") ? .table : .other
        case 6: return eq("script") ? .script : eq("strong") ? .strong : .other
        case 10: return eq("blockquote") ? .blockquote : .other
        default: return .other
        }
    }

    static func tag(named name: String) -> Tag {
        switch name {
        case "script": return .script
        case "style": return .style
        case "head": return .head
        case "br": return .br
        case "p": return .p
        case "div": return .div
        case "h1": return .h1
        case "h2": return .h2
        case "h3": return .h3
        case "h4": return .h4
        case "h5": return .h5
        case "h6": return .h6
        case "table": return .table
        case "blockquote": return .blockquote
        case "pre": return .pre
        case "ul": return .ul
        case "ol": return .ol
        case "li": return .li
        case "tr": return .tr
        case "td": return .td
        case "th": return .th
        case "img": return .img
        case "a": return .a
        case "strong": return .strong
        case "b": return .b
        case "em": return .em
        case "i": return .i
        case "code": return .code
        case "hr": return .hr
        default: return .other
        }
    }
}
