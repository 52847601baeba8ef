import CStarIO
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
}
