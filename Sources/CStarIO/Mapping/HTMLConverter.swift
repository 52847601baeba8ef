/// HTML → plain text (for messages) and HTML → Markdown (for article bodies). A small tag tokenizer that
/// handles what helpdesk exports contain: paragraphs, headings, lists, links, emphasis, images, tables, code,
/// line breaks and entities. Unknown tags keep their text.
///
/// Every message of a migration goes through here (`htmlToText`), so the work is done on UTF-8 bytes
/// (`HTMLBytes`: one pass, one output buffer, no token array, no per-piece strings or Foundation trimming). Its
/// output is byte for byte that of `LegacyHTMLConverter`, the first implementation on Swift Characters, kept as
/// the specification; for the few inputs where byte semantics and Character semantics could part (combining
/// marks and other grapheme-joining scalars, a carriage return that would reach the output raw; see `HTMLBytes`)
/// the byte path declines and the legacy converter answers.
public enum HTMLConverter {
    public static func plainText(_ html: String) -> String {
        HTMLBytes.plainText(html) ?? LegacyHTMLConverter.plainText(html)
    }

    public static func markdown(_ html: String) -> String {
        HTMLBytes.markdown(html) ?? LegacyHTMLConverter.markdown(html)
    }
}

extension HTMLConverter {
    /// What plain text writes after a link's text so that its target is not lost (messages are text, and a link's
    /// URL is part of what the agent wrote): ` (URL)`, or the URL alone for a link without text; nothing when the
    /// text already is the target (or a mailto: link's address), or for an anchor in the page (`#…`) or
    /// `javascript:`. One rule for both converters (the byte path and the legacy one), on UTF-8 bytes.
    static func linkSuffix(text: ArraySlice<UInt8>, href: [UInt8]) -> [UInt8] {
        func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C }
            guard let a = s.firstIndex(where: { !space($0) }), let b = s.lastIndex(where: { !space($0) }) else { return s[s.startIndex..<s.startIndex] }
            return s[a...b]
        }
        func hasPrefix(_ s: ArraySlice<UInt8>, _ prefix: StaticString) -> Bool {
            let p = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            return s.count >= p.count && zip(s, p).allSatisfy { ($0 | 0x20) == $1 }  // ASCII, any case
        }
        let target = trimmed(href[...])
        guard let first = target.first, first != UInt8(ascii: "#"), !hasPrefix(target, "javascript:") else { return [] }
        let shown = hasPrefix(target, "mailto:") ? target.dropFirst(7) : target
        let words = trimmed(text)
        guard !shown.isEmpty, !words.elementsEqual(shown), !words.elementsEqual(target) else { return [] }
        if words.isEmpty { return Array(shown) }
        // After text that already ends in white space (`<a> text </a>`), no second space.
        let spaced = text.last.map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A } ?? false
        return Array((spaced ? "(" : " (").utf8) + shown + Array(")".utf8)
    }
}
