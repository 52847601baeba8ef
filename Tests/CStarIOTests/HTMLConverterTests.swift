@testable import CStarIO
import Testing

@Suite("HTML converter")
struct HTMLConverterTests {
    @Test func plainTextKeepsStructureAndDropsMarkup() {
        let text = HTMLConverter.plainText("<p>Hello <b>there</b>,</p><ul><li>one</li><li>two &amp; three</li></ul><script>x()</script><p>Bye<br>now</p>")
        #expect(text.contains("Hello there,"))
        #expect(text.contains("- one"))
        #expect(text.contains("- two & three"))
        #expect(!text.contains("x()") && !text.contains("<"))
        #expect(text.contains("Bye\nnow"))
    }

    @Test func imagesStayAsTheirLinks() {
        #expect(HTMLConverter.plainText(#"<img src="https://a.test/1.png" alt="logo">"#).contains("[image: logo https://a.test/1.png]"))
        #expect(HTMLConverter.plainText(#"<img src="https://a.test/2.png">"#).contains("[image: https://a.test/2.png]"))
    }

    @Test func markdownKeepsLinksHeadingsAndEmphasis() {
        let md = HTMLConverter.markdown(#"<h2>Returns</h2><p>See <a href="https://a.test/r">the policy</a> and <em>keep</em> the <strong>receipt</strong>.</p>"#)
        #expect(md.contains("## Returns"))
        #expect(md.contains("[the policy](https://a.test/r)"))
        #expect(md.contains("*keep*") || md.contains("_keep_"))
        #expect(md.contains("**receipt**"))
    }

    /// A message is text, and a link's target is part of what was written: it stays, after the link's text.
    @Test(arguments: [
        (#"<p>See <a href="https://kb.example/article/1">this article</a>.</p>"#, "See this article (https://kb.example/article/1)."),
        (#"<a href="https://kb.example/a">https://kb.example/a</a>"#, "https://kb.example/a"),
        (#"Mail <a href="mailto:help@acme.example">help@acme.example</a> or <a href="MAILTO:sales@acme.example">Sales</a>"#,
         "Mail help@acme.example or Sales (sales@acme.example)"),
        (#"<a href="https://x.test/q?a=1&amp;b=2"><img src="https://x.test/i.png"></a>"#, "[image: https://x.test/i.png] (https://x.test/q?a=1&b=2)"),
        (#"<a href="https://x.test/only"></a>end"#, "https://x.test/onlyend"),
        (##"<a href="#top">Back to top</a> <a href="javascript:void(0)">Click</a> <a>plain</a> <a href="">empty</a>"##, "Back to top Click plain empty"),
        (#"<a href="https://x.test/a"> <b>Spaced</b> </a>"#, "Spaced (https://x.test/a)"),
    ])
    func plainTextKeepsLinkTargets(html: String, expected: String) {
        #expect(HTMLConverter.plainText(html) == expected)
        #expect(LegacyHTMLConverter.plainText(html) == expected, "the legacy converter follows the same rule")
    }
}
