/// The HTML converter on UTF-8 bytes: one pass over the input, tags and text handled as they are met (no token
/// array), entities decoded and white space collapsed into one output buffer, and the final tidy (`LegacyHTMLConverter.
/// tidy`'s line rules) written straight into the result String. It reproduces `LegacyHTMLConverter` byte for byte,
/// quirks included: text between two tags collapses on its own (so "a <b> c" keeps two spaces), an entity is
/// looked for in the next eleven Characters, a `<` with no `>` after it is text, close-tag names are trimmed of
/// Foundation's `.whitespaces` only (tab, Zs, U+200B), tags act inside script and style (only text is skipped).
///
/// Where Swift's Character semantics and byte semantics could part, it declines (returns nil) and the caller
/// uses the legacy converter:
/// - a scalar that can join its neighbours into one Character (combining marks, ZWJ, variation selectors, emoji
///   modifiers, regional indicators, conjoining jamo, Prepend, and three scalars Swift compares equal to ASCII;
///   `isSafeScalar`), in the input or from a numeric entity that reaches the output. Without those, Characters are
///   scalars, and "\r\n" is the only Character of two;
/// - a carriage return that would reach the output as it is (in an image's alt or src, a link's href, or text in
///   `<pre>` for Markdown): there, "\r\n" is one Character for the legacy `hasSuffix("\n")` and `split` on
///   non-ASCII strings but two bytes on ASCII ones (the stdlib's fast path), which bytes cannot mirror cheaply.
///   In running text a carriage return is white space and collapses, as before, so CRLF mail bodies stay on the
///   byte path.
/// HTMLConverterDifferentialTests holds both paths to the same bytes over thousands of generated documents.
struct HTMLBytes {
    struct Decline: Error {}

    static func plainText(_ html: String) -> String? { convert(html, markdown: false) }
    static func markdown(_ html: String) -> String? { convert(html, markdown: true) }

    static func convert(_ html: String, markdown: Bool) -> String? {
        if let done = html.utf8.withContiguousStorageIfAvailable({ run($0, markdown: markdown) }) { return done }
        let bytes = Array(html.utf8)
        return bytes.withUnsafeBufferPointer { run($0, markdown: markdown) }
    }

    static func run(_ input: UnsafeBufferPointer<UInt8>, markdown: Bool) -> String? {
        guard let base = input.baseAddress, input.count > 0 else { return "" }
        guard allScalarsSafe(base, input.count) else { return nil }
        var converter = HTMLBytes(p: base, n: input.count, markdown: markdown)
        do {
            try converter.convert()
        } catch {
            return nil
        }
        return converter.tidied()
    }

    let p: UnsafePointer<UInt8>
    let n: Int
    let markdown: Bool
    var out: [UInt8] = []
    /// Inside script, style or head (text is dropped; tags still act).
    var skip = 0
    /// The text piece being written: after white space (collapse), and nothing written yet (Markdown escapes a
    /// `#` only as a piece's first Character).
    var space = false
    var first = true
    var listDepth = 0
    var lists: [(ordered: Bool, count: Int)] = []
    /// Open links' href values, as ranges of the input (decoded when the link closes); nil: no href.
    var links: [Range<Int>?] = []
    /// Plain text: open links' href values and where their text starts in `out`.
    var textLinks: [(href: Range<Int>?, start: Int)] = []
    var inPre = 0
    var rowCells = 0
    var headerRowDone = false

    init(p: UnsafePointer<UInt8>, n: Int, markdown: Bool) {
        self.p = p
        self.n = n
        self.markdown = markdown
        out.reserveCapacity(n)
    }

    // MARK: Tokens

    mutating func convert() throws(Decline) {
        var i = 0
        // The first ">" at or after the last search; n when there is none (then every later "<" is text too).
        var gt = -1
        while i < n {
            if p[i] == UInt8(ascii: "<") {
                if i + 3 < n && p[i + 1] == UInt8(ascii: "!") && p[i + 2] == UInt8(ascii: "-") && p[i + 3] == UInt8(ascii: "-") {
                    endText()
                    // As the legacy `range(of: "-->")` from the "<": "<!-->" is a whole comment.
                    i = commentEnd(from: i)
                    continue
                }
                if gt <= i {
                    gt = i + 1
                    while gt < n && p[gt] != UInt8(ascii: ">") { gt += 1 }
                }
                if gt < n {
                    endText()
                    try tag(i + 1, gt)
                    i = gt + 1
                    continue
                }
            }
            i = try text(from: i)
        }
    }

    func commentEnd(from start: Int) -> Int {
        var k = start
        while k + 2 < n {
            if p[k + 2] == UInt8(ascii: ">") && p[k + 1] == UInt8(ascii: "-") && p[k] == UInt8(ascii: "-") { return k + 3 }
            k += 1
        }
        return n
    }

    /// A text piece ends at a tag or comment.
    @inline(__always)
    mutating func endText() {
        space = false
        first = true
    }

    /// Text from `start` (which may be a "<" that opens no tag) up to the next "<"; returns where it stopped.
    mutating func text(from start: Int) throws(Decline) -> Int {
        var i = start
        if skip > 0 {
            i += 1
            while i < n && p[i] != UInt8(ascii: "<") { i += 1 }
            return i
        }
        let raw = markdown && inPre > 0
        repeat {
            let b = p[i]
            if b == UInt8(ascii: "&") {
                if let hit = entity(at: i, end: n) {
                    if let named = hit.value.named {
                        for v in named { if raw { try emitRaw(v) } else { try emitText(v) } }
                    } else if raw {
                        try emitRaw(hit.value.scalar)
                    } else {
                        try emitText(hit.value.scalar)
                    }
                    i = hit.next
                    continue
                }
                if raw { out.append(b) } else { emitTextASCII(b) }
                i += 1
            } else if b < 0x80 {
                if raw {
                    if b == 0x0D { throw Decline() }
                    out.append(b)
                } else {
                    emitTextASCII(b)
                }
                i += 1
            } else {
                let len = Self.scalarLength(b)
                if !raw && whiteSpaceLength(i, n) > 0 {
                    collapsedSpace()
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: len))
                    space = false
                    first = false
                }
                i += len
            }
        } while i < n && p[i] != UInt8(ascii: "<")
        return i
    }

    @inline(__always)
    mutating func collapsedSpace() {
        if !space {
            out.append(0x20)
            first = false
        }
        space = true
    }

    /// One ASCII byte of text: collapsed (HTML white space is one space) and, for Markdown, escaped.
    @inline(__always)
    mutating func emitTextASCII(_ b: UInt8) {
        if b == 0x20 || (b >= 0x09 && b <= 0x0D) { collapsedSpace(); return }
        if markdown {
            switch b {
            case UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "#") where first:
                out.append(UInt8(ascii: "\\"))
            default: break
            }
        }
        out.append(b)
        space = false
        first = false
    }

    /// A decoded scalar in text.
    mutating func emitText(_ v: UInt32) throws(Decline) {
        if v < 0x80 { emitTextASCII(UInt8(v)); return }
        guard Self.isSafeScalar(v) else { throw Decline() }
        if Self.isWhiteSpace(v) { collapsedSpace(); return }
        Self.appendUTF8(v, to: &out)
        space = false
        first = false
    }

    /// A decoded scalar written as it is (attribute values, `<pre>` text in Markdown).
    @inline(__always)
    mutating func emitRaw(_ v: UInt32) throws(Decline) {
        if v == 0x0D || !Self.isSafeScalar(v) { throw Decline() }
        Self.appendUTF8(v, to: &out)
    }

    /// An attribute value (a range of the input) with its entities decoded, as it is.
    mutating func emitValue(_ r: Range<Int>) throws(Decline) {
        var i = r.lowerBound
        while i < r.upperBound {
            let b = p[i]
            if b == UInt8(ascii: "&"), let hit = entity(at: i, end: r.upperBound) {
                if let named = hit.value.named { for v in named { try emitRaw(v) } } else { try emitRaw(hit.value.scalar) }
                i = hit.next
                continue
            }
            if b == 0x0D { throw Decline() }
            out.append(b)
            i += 1
        }
    }

    struct EntityValue {
        var scalar: UInt32 = 0
        var named: [UInt32]?
    }

    /// The entity at `p[i]` ("&"), as the legacy `decodeEntities`: a ";" within the next eleven Characters, then a
    /// `#x` hex, `#` decimal or named entity. A name holding a line break, "<" or a non-ASCII scalar never decodes,
    /// so the search stops there (and Characters are bytes before it).
    @inline(__always)
    func entity(at i: Int, end: Int) -> (value: EntityValue, next: Int)? {
        var j = i + 1
        let limit = min(end, i + 12)
        while j < limit {
            let c = p[j]
            if c == UInt8(ascii: ";") { break }
            if c >= 0x80 || c == 0x0A || c == 0x0D || c == UInt8(ascii: "<") { return nil }
            j += 1
        }
        guard j < limit else { return nil }
        let s = i + 1, count = j - s
        if count >= 1 && p[s] == UInt8(ascii: "#") {
            let hex = count >= 2 && (p[s + 1] == UInt8(ascii: "x") || p[s + 1] == UInt8(ascii: "X"))
            let digits = String(decoding: UnsafeBufferPointer(start: p + s + (hex ? 2 : 1), count: count - (hex ? 2 : 1)), as: UTF8.self)
            // The same parse as before (it takes a leading + or -), and only scalars (no surrogates).
            guard let v = (hex ? UInt32(digits, radix: 16) : UInt32(digits)), Unicode.Scalar(v) != nil else { return nil }
            return (EntityValue(scalar: v), j + 1)
        }
        guard count >= 1 && count <= 8, let named = Self.namedEntities[Self.pack(p, s, j)] else { return nil }
        return (EntityValue(named: named), j + 1)
    }

    /// The byte length of the White_Space scalar at `p[k]` (before `end`), or 0.
    @inline(__always)
    func whiteSpaceLength(_ k: Int, _ end: Int) -> Int {
        let b = p[k]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) ? 1 : 0 }
        return Self.multiByteSpace(p, k, end, zsOnly: false)
    }

    /// U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 (White_Space beyond ASCII);
    /// with `zsOnly`, Foundation's `.whitespaces` instead: without U+0085, U+2028 and U+2029, with U+200B.
    @inline(__always)
    static func multiByteSpace(_ p: UnsafePointer<UInt8>, _ k: Int, _ end: Int, zsOnly: Bool) -> Int {
        switch p[k] {
        case 0xC2:
            guard k + 1 < end else { return 0 }
            return p[k + 1] == 0xA0 || (!zsOnly && p[k + 1] == 0x85) ? 2 : 0
        case 0xE1:
            return k + 2 < end && p[k + 1] == 0x9A && p[k + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard k + 2 < end else { return 0 }
            let c1 = p[k + 1], c2 = p[k + 2]
            if c1 == 0x80 && (c2 <= 0x8A || c2 == 0xAF || (zsOnly ? c2 == 0x8B : (c2 == 0xA8 || c2 == 0xA9))) { return 3 }
            return c1 == 0x81 && c2 == 0x9F ? 3 : 0
        case 0xE3:
            return k + 2 < end && p[k + 1] == 0x80 && p[k + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// The length of a scalar of Foundation's `.whitespaces` at `p[k]` (tab, Zs, U+200B), or 0.
    @inline(__always)
    static func spaceOrTabLength(_ p: UnsafePointer<UInt8>, _ k: Int, _ end: Int) -> Int {
        let b = p[k]
        if b < 0x80 { return b == 0x20 || b == 0x09 ? 1 : 0 }
        return multiByteSpace(p, k, end, zsOnly: true)
    }

    // MARK: Output

    mutating func block() {
        while let last = out.last, last == 0x20 { out.removeLast() }
        guard let last = out.last else { return }
        if last == 0x0A {
            if out.count >= 2 && out[out.count - 2] == 0x0A { return }
            out.append(0x0A)
        } else {
            out.append(0x0A)
            out.append(0x0A)
        }
    }

    @inline(__always)
    mutating func newline() {
        if let last = out.last, last != 0x0A { out.append(0x0A) }
    }

    /// The legacy `tidy`, line by line on bytes: a table row ("…|") loses its trailing spaces, one trailing space
    /// goes (two stay: a Markdown hard break), one or two leading spaces go (three or more stay: code), blank lines
    /// (`.whitespaces` only) become empty, at most one in a row, none at the ends. Every step only cuts a line's ends,
    /// so each kept line is a slice of the buffer, copied once into the String.
    func tidied() -> String {
        out.withUnsafeBufferPointer { buffer -> String in
            guard let o = buffer.baseAddress, buffer.count > 0 else { return "" }
            let count = buffer.count
            return String(unsafeUninitializedCapacity: count) { result in
                var w = 0
                var endOfText = 0
                var lastKeptBlank = true
                var anyKept = false
                var lineStart = 0
                while lineStart <= count {
                    var lineEnd = lineStart
                    while lineEnd < count && o[lineEnd] != 0x0A { lineEnd += 1 }
                    var a = lineStart, e = lineEnd
                    // The last scalar that is not in `.whitespaces` is "|": a table row.
                    var k = e
                    while k > a {
                        var s = k - 1
                        while s > a && o[s] & 0xC0 == 0x80 { s -= 1 }
                        guard Self.spaceOrTabLength(o, s, k) == k - s else { break }
                        k = s
                    }
                    if k > a && o[k - 1] == UInt8(ascii: "|") { while e > a && o[e - 1] == 0x20 { e -= 1 } }
                    if e > a && o[e - 1] == 0x20 && !(e - a >= 2 && o[e - 2] == 0x20) { e -= 1 }
                    var lead = 0
                    while lead < 3 && a + lead < e && o[a + lead] == 0x20 { lead += 1 }
                    if lead > 0 && lead < 3 { a += lead }
                    var blank = true
                    var s = a
                    while s < e {
                        let len = Self.spaceOrTabLength(o, s, e)
                        if len == 0 { blank = false; break }
                        s += len
                    }
                    if !(blank && lastKeptBlank) {
                        if anyKept { result[w] = 0x0A; w += 1 }
                        anyKept = true
                        lastKeptBlank = blank
                        if !blank {
                            UnsafeMutableRawPointer(result.baseAddress! + w).copyMemory(from: o + a, byteCount: e - a)
                            w += e - a
                            endOfText = w
                        }
                    }
                    lineStart = lineEnd + 1
                }
                // No blank line at the end (a kept blank line is never followed by another).
                return lastKeptBlank ? endOfText : w
            }
        }
    }
}
