@testable import CStarIO
import Foundation
import TestSupport
import Testing

/// The byte-level HTML converter (`HTMLBytes`) against the legacy one on Characters (`LegacyHTMLConverter`), which
/// is its specification: for every document the byte path converts, plain text and Markdown are the same bytes;
/// where it declines, `HTMLConverter` answers with the legacy converter. The scalar tables it relies on are
/// checked here against the Swift and Foundation behaviour they stand for, over every scalar.
@Suite("HTML converter: bytes against the legacy converter")
struct HTMLConverterDifferentialTests {
    // MARK: Generated documents

    static let tags = ["script", "style", "head", "br", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
                       "pre", "ul", "ol", "li", "tr", "td", "th", "img", "a", "strong", "b", "em", "i", "code", "hr",
                       "span", "font", "header", "tbody", "section", "o:p", "x"]
    static let attributeNames = ["href", "src", "alt", "class", "style", "HREF", "Src", "ALT", "dir", "data-x", ""]
    static let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;", "&ndash;", "&mdash;", "&hellip;", "&rsquo;",
                           "&lsquo;", "&ldquo;", "&rdquo;", "&copy;", "&reg;", "&trade;", "&euro;", "&bull;", "&middot;", "&times;",
                           "&AMP;", "&foo;", "&amp", "&#65;", "&#x41;", "&#X41;", "&#160;", "&#8203;", "&#13;", "&#10;", "&#9;",
                           "&#x1F600;", "&#xD800;", "&#99999999999;", "&#1114112;", "&#+65;", "&#-0;", "&#x;", "&#;", "&;",
                           "&#0;", "&#x2028;", "&#12288;", "&#35;", "&#42;", "&#60;", "&#x7C;", "&abcdefghijklmnop;", "&#0000000065;",
                           "&#00000000065;", "& amp;", "&am\np;", "&#x20;", "&#32;"]
    /// Text pieces: words, markdown specials, white space of every kind, multibyte text.
    static let words = ["Hello", "there", "order #123", "refund", "*bold*", "_x_", "`code`", "[link]", "# heading", "a|b", "|",
                        "Zoë", "ünïcödé", "日本語のテキスト", "Ж", "😀", "€5", "—", "x", "1.", "- item", "\\", ">", "=", "\"q\"", "'s"]
    static let spaces = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\r", "\u{A0}", "\u{2003}", "\u{3000}", "\u{2028}", "\u{85}",
                         "\u{0B}", "\u{0C}", "\u{202F}", "\u{1680}", " \u{A0} ", "\n\n", "   "]
    /// Scalars that join their neighbours into one Character: the byte path must decline these documents.
    static let joiners = ["e\u{301}", "\u{301}", "👍🏽", "❤️", "🇫🇷", "\u{200D}", "\u{1100}\u{1161}", "ก\u{E33}", "\u{037E}", "\u{212A}"]

    static func pick<T>(_ items: [T], _ rng: inout SeededRandom) -> T { items.randomElement(using: &rng)! }
    static func chance(_ percent: Int, _ rng: inout SeededRandom) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    static func textPiece(_ rng: inout SeededRandom, joiners: Bool) -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1, 2: return pick(words, &rng)
        case 3, 4: return pick(spaces, &rng)
        case 5: return pick(entities, &rng)
        case 6: return joiners && chance(30, &rng) ? pick(Self.joiners, &rng) : pick(words, &rng)
        case 7: return ["<", "< ", " < b", "<>", "</>", "a<", "<3", "&", ";", "#", "<!-->", "<!--->", "-->", "/"].randomElement(using: &rng)!
        default: return pick(words, &rng) + pick(spaces, &rng)
        }
    }

    static func attributeValue(_ rng: inout SeededRandom) -> String {
        let parts = ["https://a.test/x.png", "image.png", "", "a b", "x&amp;y", "&quot;q&quot;", "&#13;", "r\u{A0}s", "q\rr",
                     "https://support.example.zendesk.com/attachments/token/AbC123/?name=image.png", "logo", "é", "\t"]
        return (0..<Int.random(in: 1...2, using: &rng)).map { _ in pick(parts, &rng) }.joined()
    }

    static func attributes(_ rng: inout SeededRandom) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            s += pick([" ", "  ", "\n", "\t", " \u{A0}", ""], &rng) + pick(attributeNames, &rng)
            let value = attributeValue(&rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: break
            case 1: s += "=\"\(value)\""
            case 2: s += "='\(value)'"
            case 3: s += "=" + value.replacingOccurrences(of: " ", with: "")
            case 4: s += " = \"\(value)\""
            default: s += "=\"\(value)"  // unterminated quote
            }
        }
        return s
    }

    static func openTag(_ rng: inout SeededRandom) -> String {
        var name = pick(tags, &rng)
        if chance(15, &rng) { name = name.uppercased() } else if chance(5, &rng) { name = name.prefix(1).uppercased() + name.dropFirst() }
        let close = pick(["", "", "", "/", " /"], &rng)
        return "<" + name + attributes(&rng) + close + ">"
    }

    static func closeTag(_ rng: inout SeededRandom) -> String {
        var name = pick(tags, &rng)
        if chance(15, &rng) { name = name.uppercased() }
        return "</" + pick(["", "", "", " ", "\t", "\u{A0}"], &rng) + name + pick(["", "", "", " ", "\n", "\u{3000}", "/"], &rng) + ">"
    }

    /// A random document of `pieces` parts: tags (open, close, nested lists and tables), text, comments, declarations.
    static func document(_ rng: inout SeededRandom, pieces: Int, joiners: Bool) -> String {
        var s = ""
        for _ in 0..<pieces {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0...5: s += textPiece(&rng, joiners: joiners)
            case 6...9: s += openTag(&rng)
            case 10...12: s += closeTag(&rng)
            case 13:
                let ordered = chance(50, &rng)
                s += ordered ? "<ol>" : "<ul>"
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    s += "<li>" + textPiece(&rng, joiners: joiners)
                    if chance(30, &rng) { s += "<ul><li>" + pick(words, &rng) + "</li></ul>" }
                    if chance(70, &rng) { s += "</li>" }
                }
                s += ordered ? "</ol>" : "</ul>"
            case 14:
                s += "<table>"
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    s += "<tr>" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in "<td>" + textPiece(&rng, joiners: joiners) + "</td>" }.joined() + "</tr>"
                }
                s += "</table>"
            case 15: s += "<pre>" + textPiece(&rng, joiners: joiners) + pick(["\n  indented", "a  b", "\n", "<b>x</b>", "&lt;tag&gt;"], &rng) + "</pre>"
            case 16: s += pick(["<!-- note -->", "<!---->", "<!-- <p>hidden</p> -->", "<!DOCTYPE html>", "<?xml version=\"1.0\"?>", "<!--", "<![CDATA[x]]>"], &rng)
            case 17: s += "<script>if (a < b) { x() }</script>" + (chance(50, &rng) ? "" : "<style>p { color: red }</style>")
            case 18: s += pick(["<a href=\"https://a.test/r?x=1&amp;y=2\">", "<img src=\"https://a.test/i.png\" alt=\"pic\">", "<br/>", "<hr>", "<p/>"], &rng)
            default: s += pick(spaces, &rng)
            }
        }
        return s
    }

    /// Helpdesk-shaped bodies, as Zendesk, Outlook and Gmail write them.
    static let realBodies = [
        #"<div class="zd-comment" dir="auto"><p dir="auto">Hi there,</p><p dir="auto">My order #4521 has not arrived yet. Could you check?</p><p dir="auto">Thanks,<br>Anna</p></div>"#,
        "<div class=\"zd-comment\" dir=\"auto\">Hello&nbsp;team,<br>\r\n<br>\r\nThe invoice is attached.<br><img src=\"https://example.zendesk.com/attachments/token/AbCdEf/?name=image.png\" alt=\"image.png\"><br>\r\n</div>",
        #"<html><head><style>p{margin:0}</style></head><body><p class="MsoNormal">Dear support,<o:p></o:p></p><p class="MsoNormal">&nbsp;<o:p></o:p></p><p class="MsoNormal">I can&#8217;t log in since Tuesday&hellip;<o:p></o:p></p><table><tr><td>Anna Smith</td><td>Sales</td></tr><tr><td>+44 20 7946 0000</td><td><a href="mailto:anna@example.com">anna@example.com</a></td></tr></table></body></html>"#,
        #"<div dir="ltr">Thanks!<div><br></div><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Mar 3, 2025 at 10:00 AM Support &lt;support@example.com&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Your ticket #123 was solved.</blockquote></div></div>"#,
        #"<p>Steps:</p><ol><li>Open <strong>Settings</strong></li><li>Click <em>Reset</em><ul><li>confirm</li><li>wait</li></ul></li><li>Done</li></ol><pre><code>error: 500 &lt;internal&gt;\n  at line 3</code></pre>"#,
        #"<h2>Returns</h2><p>See <a href="https://a.test/r">the policy</a> and <em>keep</em> the <strong>receipt</strong>.</p><hr><h3>Refunds * 2</h3><p>Within 30 days_</p>"#,
        "<p>Grüße aus München — ça va? 日本語のサポート。</p><p>\u{A0}</p><p>Ещё вопрос: 😀</p>",
        "Plain text without tags\r\nsecond line\r\n\r\n\r\nthird   line\twith tab",
        "<p>   leading and trailing   </p><p>|a|b|  </p>  <td>cell</td>",
        "",
        " ",
        "<br><br><br>",
        "<img src=\"\" alt=\"\"><img alt=\"only alt\"><img src=x.png>",
    ]

    static func check(_ html: String, _ stats: inout (fast: Int, declined: Int)) {
        for markdown in [false, true] {
            let legacy = markdown ? LegacyHTMLConverter.markdown(html) : LegacyHTMLConverter.plainText(html)
            if let bytes = markdown ? HTMLBytes.markdown(html) : HTMLBytes.plainText(html) {
                stats.fast += 1
                #expect(Array(bytes.utf8) == Array(legacy.utf8),
                        "\(markdown ? "markdown" : "plainText") of \(String(reflecting: html)): bytes \(String(reflecting: bytes)), legacy \(String(reflecting: legacy))")
            } else {
                stats.declined += 1
            }
            let public_ = markdown ? HTMLConverter.markdown(html) : HTMLConverter.plainText(html)
            #expect(Array(public_.utf8) == Array(legacy.utf8), "HTMLConverter answers as the legacy converter: \(String(reflecting: html))")
        }
    }

    @Test func generatedDocumentsConvertToTheLegacyBytes() {
        var rng = SeededRandom(state: 0x48_54_4D_4C)
        var stats = (fast: 0, declined: 0)
        for round in 0..<6000 {
            Self.check(Self.document(&rng, pieces: Int.random(in: 1...(round % 10 == 0 ? 120 : 25), using: &rng), joiners: round % 8 == 0), &stats)
        }
        // Most documents take the byte path (those with joining scalars or a raw carriage return decline).
        #expect(stats.fast > 9000, "byte path used \(stats.fast) times, declined \(stats.declined)")
        #expect(stats.declined > 100, "the declining inputs are exercised too: \(stats.declined)")
    }

    @Test func helpdeskBodiesConvertToTheLegacyBytes() {
        var stats = (fast: 0, declined: 0)
        for body in Self.realBodies { Self.check(body, &stats) }
        // Pieces of real bodies glued at random: the joins between them are where pieces of text meet.
        var rng = SeededRandom(state: 99)
        for _ in 0..<500 {
            let glued = (0..<Int.random(in: 2...4, using: &rng)).map { _ in Self.realBodies.randomElement(using: &rng)! }.joined()
            let cut = glued.utf8.count > 2 ? Int.random(in: 0..<glued.utf8.count, using: &rng) : 0
            // A cut inside a scalar leaves U+FFFD in its place, which is text like any other.
            let prefix = String(decoding: Array(glued.utf8.prefix(cut)), as: UTF8.self)
            Self.check(glued, &stats)
            Self.check(prefix, &stats)
        }
        #expect(stats.declined == 0, "helpdesk bodies (CRLF, NBSP, entities, multibyte text) stay on the byte path: \(stats.declined) declined")
    }

    @Test func quirksOfTheLegacyConverterAreKept() {
        let cases = [
            "a <x> b", "a&nbsp;&nbsp;b", "&amp;amp;", "&#x26;lt;", "x &#769; y", "<p>one</p>\r\n<p>two</p>", "<pre>a\r\nb</pre>",
            "<img alt=\"a\rb\" src=\"s\">", "<a href=\"x&#13;y\">l</a>", "<script><br></script>after", "</P >x</p\n>y",
            "<!-->visible", "<!--->visible", "<!-- never closed <p>x</p>", "< p>x", "a < b and c > d", "<p>#1 # 2</p>",
            "&#60;b&#62;", "<li>no list</li>", "<ol><li>a<li>b<ol><li>c</ol></ol>", "<tr><td>a<td>b</tr><tr><td>c</tr>",
            "<td>x</td>", "<p>|a|  </p>", "<p>  </p>   <p>x</p>", "<br/><hr/><img/>", "<p/>text", "&abcdefghijk;", "&abcdefghij;",
            "&#x1F600;&#128512;", "<IMG SRC=a ALT=b>", "<img src=a src=b alt=c alt=\"\">", "<a>no href</a>", "</a>", "<code>`</code>",
            "<pre><code>x</code></pre>", "<h6>six</h6><h7>seven</h7>", "<blockquote>q</blockquote>", "text\u{85}next\u{2028}line",
            "&#xD800;&#x110000;", "<p>\u{3000}ideographic\u{3000}</p>", "<b>\u{A0}</b>|", "\u{A0}\n\u{A0}\n\u{A0}x", "<p>a</p >",
            "<\u{212A}>", "e\u{301}<p>x</p>", "&#x212A;", "<p>\t|\t</p>",
        ]
        var stats = (fast: 0, declined: 0)
        for c in cases { Self.check(c, &stats) }
        #expect(stats.fast > 70)
    }

    @Test func theByteConverterDeclinesWhatItCannotMirror() {
        #expect(HTMLBytes.plainText("cafe\u{301}") == nil, "a combining mark")
        #expect(HTMLBytes.plainText("x &#769; y") == nil, "a combining mark from an entity, in text")
        #expect(HTMLBytes.plainText("<img alt=\"a\rb\">") == nil, "a carriage return that reaches the output")
        #expect(HTMLBytes.markdown("<pre>a\r\nb</pre>") == nil, "CRLF in pre (Markdown keeps it raw)")
        #expect(HTMLBytes.plainText("<p>a\r\nb</p>") != nil, "CRLF in running text collapses, on the byte path")
        #expect(HTMLBytes.plainText("<!-- x &#769; -->y") != nil, "an entity that is never written does not matter")
        #expect(HTMLBytes.plainText("Grüße 😀 日本") != nil)
    }

    /// The `count` transform's byte search (`<img` in every message body) against Foundation's `range(of:)` loop.
    @Test func countingOnBytesMatchesFoundation() {
        var rng = SeededRandom(state: 5)
        let pieces = ["<img", "<im", "g", "<", "img", "<IMG", "x", " ", "é", "\u{AD}", "\u{200B}", "e\u{301}", "<img\u{301}",
                      "\r\n", "\n", "\r", "日本", "<<img", "<imgimg", "😀"]
        let needles = ["<img", "<", "img", "gg", "<img src", "x x", "\n", "\r\n", "a\r", "é", "<i"]
        var fast = 0
        for _ in 0..<4000 {
            let haystack = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let needle = needles.randomElement(using: &rng)!
            var reference = 0
            var rest = haystack[...]
            while let r = rest.range(of: needle) { reference += 1; rest = rest[r.upperBound...] }
            #expect(Mapper.occurrences(of: needle, in: haystack) == reference, "\(String(reflecting: needle)) in \(String(reflecting: haystack))")
            if haystack.unicodeScalars.allSatisfy({ HTMLBytes.isSafeScalar($0.value) || $0.isASCII }) { fast += 1 }
        }
        #expect(fast > 1000)
    }

    // MARK: The tables, over every scalar

    static var allScalars: some Sequence<Unicode.Scalar> {
        (0...0x10FFFF as ClosedRange<UInt32>).lazy.compactMap { Unicode.Scalar($0) }
    }

    @Test func whiteSpaceTablesMatchSwiftAndFoundation() {
        var checked = 0
        var wrong: [String] = []
        for s in Self.allScalars {
            if HTMLBytes.isWhiteSpace(s.value) != Character(s).isWhitespace { wrong.append("White_Space U+\(String(s.value, radix: 16))") }
            if HTMLBytes.isSpaceOrTab(s.value) != CharacterSet.whitespaces.contains(s) { wrong.append(".whitespaces U+\(String(s.value, radix: 16))") }
            checked += 1
        }
        #expect(checked > 1_100_000)
        // The byte forms agree with the scalar tables (every multibyte space is below U+3100).
        for s in Self.allScalars where s.value >= 0x80 && s.value < 0x3100 {
            let bytes = Array(String(s).utf8)
            bytes.withUnsafeBufferPointer { b in
                let ws = HTMLBytes.multiByteSpace(b.baseAddress!, 0, b.count, zsOnly: false)
                let zs = HTMLBytes.multiByteSpace(b.baseAddress!, 0, b.count, zsOnly: true)
                if (ws == b.count) != HTMLBytes.isWhiteSpace(s.value) || (ws != 0 && ws != b.count) { wrong.append("bytes U+\(String(s.value, radix: 16))") }
                if (zs == b.count) != HTMLBytes.isSpaceOrTab(s.value) || (zs != 0 && zs != b.count) { wrong.append("Zs bytes U+\(String(s.value, radix: 16))") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) disagreements: \(wrong.prefix(20))")
    }

    /// A scalar the byte path takes as safe never joins a neighbour into one Character and equals no ASCII
    /// character; checked on the planes where scalars are assigned (the others are unassigned or private use).
    @Test func safeScalarsAreCharactersOfTheirOwn() {
        var safe = 0, unsafe = 0
        var wrong: [String] = []
        let neighbours: [Character] = ["a", " ", "<", "\n"]
        for s in Self.allScalars where s.value >= 0x80 && (s.value < 0x40000 || (s.value >= 0xE0000 && s.value < 0xE1000)) {
            guard HTMLBytes.isSafeScalar(s.value) else { unsafe += 1; continue }
            safe += 1
            let c = String(s)
            var ok = (c + c).count == 2
            for n in neighbours where ok { ok = (String(n) + c).count == 2 && (c + String(n)).count == 2 }
            if s.value < 0x3000 || (s.value >= 0xF900 && s.value < 0x10000) {
                // Canonical equivalence to ASCII (Swift compares Characters that way).
                for a in 0x20..<0x7F as Range<UInt32> where ok { ok = Character(s) != Character(Unicode.Scalar(a)!) }
            }
            if !ok { wrong.append("U+\(String(s.value, radix: 16))") }
        }
        #expect(wrong.isEmpty, "taken as safe but joining a neighbour or equal to ASCII: \(wrong.prefix(20)) (\(wrong.count))")
        #expect(safe > 250_000 && unsafe > 2_000, "safe \(safe), unsafe \(unsafe)")
        // Every named entity is one safe scalar.
        for (name, value) in LegacyHTMLConverter.entities {
            #expect(value.unicodeScalars.count == 1 && value.unicodeScalars.allSatisfy { $0.isASCII || HTMLBytes.isSafeScalar($0.value) }, "&\(name);")
        }
    }
}
