/// Tags for the byte-level converter: names, the attributes it writes (alt, src, href), and what each tag does,
/// as `LegacyHTMLConverter.plainText` and `.markdown` have it.
extension HTMLBytes {
    /// The tag whose inside (between "<" and ">") is `p[a..<b]`.
    mutating func tag(_ a: Int, _ b: Int) throws(Decline) {
        if a < b && p[a] == UInt8(ascii: "/") {
            // Close tags: the name trimmed of Foundation's `.whitespaces` (tab, Zs, U+200B; not line breaks), as `trimmingCharacters(in: .whitespaces)`.
            var s = a + 1, e = b
            while s < e {
                let len = Self.spaceOrTabLength(p, s, e)
                if len == 0 { break }
                s += len
            }
            while e > s {
                var k = e - 1
                while k > s && p[k] & 0xC0 == 0x80 { k -= 1 }
                guard Self.spaceOrTabLength(p, k, e) == e - k else { break }
                e = k
            }
            try close(Self.tag(p, s, e))
            return
        }
        if a < b && (p[a] == UInt8(ascii: "!") || p[a] == UInt8(ascii: "?")) { return }
        let selfClosing = a < b && p[b - 1] == UInt8(ascii: "/")
        let e = selfClosing ? b - 1 : b
        var nameEnd = a
        while nameEnd < e && whiteSpaceLength(nameEnd, e) == 0 { nameEnd += 1 }
        let t = Self.tag(p, a, nameEnd)
        try open(t, attributes: nameEnd, e)
        if selfClosing && t != .br && t != .img && t != .hr { try close(t) }
    }

    /// The values of alt, src and href among the attributes in `p[start..<end]` (the last of each name, as the
    /// legacy dictionary kept), as input ranges; an attribute without "=" has an empty value.
    func attributes(_ start: Int, _ end: Int) -> (alt: Range<Int>?, src: Range<Int>?, href: Range<Int>?) {
        var alt: Range<Int>?, src: Range<Int>?, href: Range<Int>?
        var s = start
        @inline(__always) func skipSpace(_ s: inout Int) {
            while s < end {
                let len = whiteSpaceLength(s, end)
                if len == 0 { return }
                s += len
            }
        }
        while true {
            skipSpace(&s)
            guard s < end else { break }
            let keyStart = s
            while s < end && p[s] != UInt8(ascii: "=") && whiteSpaceLength(s, end) == 0 { s += 1 }
            let keyEnd = s
            skipSpace(&s)
            var value = s..<s
            if s < end && p[s] == UInt8(ascii: "=") {
                s += 1
                skipSpace(&s)
                if s < end && (p[s] == UInt8(ascii: "\"") || p[s] == UInt8(ascii: "'")) {
                    let q = p[s]
                    s += 1
                    let v = s
                    while s < end && p[s] != q { s += 1 }
                    value = v..<s
                    if s < end { s += 1 }
                } else {
                    let v = s
                    while s < end && whiteSpaceLength(s, end) == 0 { s += 1 }
                    value = v..<s
                }
            }
            switch Self.attributeName(p, keyStart, keyEnd) {
            case 1: alt = value
            case 2: src = value
            case 3: href = value
            default: break
            }
        }
        return (alt, src, href)
    }

    /// 1: alt, 2: src, 3: href (ASCII, any case), 0: another name. A non-ASCII name cannot lowercase to one of
    /// these (the one scalar that lowercases to ASCII, U+212A, is declined as unsafe).
    @inline(__always)
    static func attributeName(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        @inline(__always) func l(_ k: Int) -> UInt8 { p[s + k] >= 0x41 && p[s + k] <= 0x5A ? p[s + k] | 0x20 : p[s + k] }
        switch e - s {
        case 3:
            if l(0) == UInt8(ascii: "a") && l(1) == UInt8(ascii: "l") && l(2) == UInt8(ascii: "t") { return 1 }
            if l(0) == UInt8(ascii: "s") && l(1) == UInt8(ascii: "r") && l(2) == UInt8(ascii: "c") { return 2 }
            return 0
        case 4:
            return l(0) == UInt8(ascii: "h") && l(1) == UInt8(ascii: "r") && l(2) == UInt8(ascii: "e") && l(3) == UInt8(ascii: "f") ? 3 : 0
        default:
            return 0
        }
    }

    @inline(__always)
    mutating func append(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func open(_ t: Tag, attributes s: Int, _ e: Int) throws(Decline) {
        if markdown { try openMarkdown(t, attributes: s, e); return }
        switch t {
        case .script, .style, .head: skip += 1
        case .br: out.append(0x0A)
        case .p, .div, .h1, .h2, .h3, .h4, .h5, .h6, .table, .blockquote, .pre: block()
        case .ul, .ol: listDepth += 1; block()
        case .li:
            newline()
            for _ in 0..<max(0, listDepth - 1) { append("  ") }
            append("- ")
        case .tr: newline()
        case .td, .th: if let last = out.last, last != 0x0A { out.append(0x09) }
        case .a: textLinks.append((attributes(s, e).href, out.count))
        case .img:
            // cStar holds text only: an inline image stays as its link (a Zendesk /attachments/token/… URL).
            let a = attributes(s, e)
            let alt = a.alt.flatMap { $0.isEmpty ? nil : $0 }, src = a.src.flatMap { $0.isEmpty ? nil : $0 }
            switch (alt, src) {
            case let (alt?, src?): append("[image: "); try emitValue(alt); append(" "); try emitValue(src); append("]")
            case let (nil, src?): append("[image: "); try emitValue(src); append("]")
            case let (alt?, nil): append("["); try emitValue(alt); append("]")
            default: break
            }
        default: break
        }
    }

    mutating func openMarkdown(_ t: Tag, attributes s: Int, _ e: Int) throws(Decline) {
        switch t {
        case .script, .style, .head: skip += 1
        case .br: if inPre > 0 { out.append(0x0A) } else { append("  \n") }
        case .p, .div: block()
        case .blockquote: block(); append("> ")
        case .h1, .h2, .h3, .h4, .h5, .h6:
            block()
            for _ in 0..<Int(t.rawValue - Tag.h1.rawValue + 1) { out.append(UInt8(ascii: "#")) }
            out.append(0x20)
        case .strong, .b: append("**")
        case .em, .i: append("_")
        case .code: if inPre == 0 { append("`") }
        case .pre: block(); append("```\n"); inPre += 1
        case .a:
            links.append(attributes(s, e).href)
            append("[")
        case .img:
            let a = attributes(s, e)
            append("![")
            if let alt = a.alt { try emitValue(alt) }
            append("](")
            if let src = a.src { try emitValue(src) }
            append(")")
        case .ul, .ol: block(); lists.append((t == .ol, 0))
        case .li:
            newline()
            let depth = max(0, lists.count - 1)
            if !lists.isEmpty {
                lists[lists.count - 1].count += 1
                let top = lists[lists.count - 1]
                for _ in 0..<depth { append("   ") }
                if top.ordered {
                    out.append(contentsOf: String(top.count).utf8)
                    append(". ")
                } else {
                    append("- ")
                }
            } else {
                append("- ")
            }
        case .table: block(); headerRowDone = false
        case .tr: newline(); append("|"); rowCells = 0
        case .td, .th: append(" "); rowCells += 1
        case .hr: block(); append("---"); block()
        default: break
        }
    }

    mutating func close(_ t: Tag) throws(Decline) {
        if markdown {
            try closeMarkdown(t)
            return
        }
        switch t {
        case .script, .style, .head: skip = max(0, skip - 1)
        case .p, .div, .h1, .h2, .h3, .h4, .h5, .h6, .table, .blockquote, .pre: block()
        case .ul, .ol: listDepth = max(0, listDepth - 1); block()
        case .a:
            guard let link = textLinks.popLast(), skip == 0, let href = link.href else { break }
            // The href decoded as the legacy converter's attributes are, then taken back out of `out`.
            let mark = out.count
            try emitValue(href)
            let target = Array(out[mark...])
            out.removeSubrange(mark...)
            out += HTMLConverter.linkSuffix(text: out[min(link.start, mark)..<mark], href: target)
        default: break
        }
    }

    mutating func closeMarkdown(_ t: Tag) throws(Decline) {
        switch t {
        case .script, .style, .head: skip = max(0, skip - 1)
        case .p, .div, .blockquote, .h1, .h2, .h3, .h4, .h5, .h6: block()
        case .strong, .b: append("**")
        case .em, .i: append("_")
        case .code: if inPre == 0 { append("`") }
        case .pre: inPre = max(0, inPre - 1); newline(); append("```"); block()
        case .a:
            let href = links.popLast() ?? nil
            append("](")
            if let href { try emitValue(href) }
            append(")")
        case .ul, .ol: _ = lists.popLast(); block()
        case .td, .th: append(" |")
        case .tr:
            if !headerRowDone {
                append("\n|")
                for _ in 0..<max(1, rowCells) { append(" --- |") }
                headerRowDone = true
            }
        case .table: block()
        default: break
        }
    }
}
