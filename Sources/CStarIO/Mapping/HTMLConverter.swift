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
