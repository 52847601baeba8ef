import CStarIO
import Testing

/// A secret key goes out in clear text only to this machine: plain http:// is allowed for loopback literals and
/// `localhost`, nothing that merely looks like them.
@Suite("Plain http only to loopback")
struct TransportCheckTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080", true), ("http://127.10.20.30/api/v1", true), ("http://localhost:9000", true),
        ("http://LOCALHOST:9000", true), ("http://[::1]:8080", true), ("https://www.cstar.help/api/v1", true),
        ("https://127.0.0.1.attacker.example", true),
        ("http://127.0.0.1.attacker.example:8099", false), ("http://127.0.0.1.nip.io", false), ("http://localhost.example", false),
        ("http://localhost.", false), ("http://0x7f.1", false), ("http://0x7f000001", false), ("http://127.1", false),
        ("http://2130706433", false), ("http://0177.0.0.1", false), ("http://[::ffff:127.0.0.1]", false),
        ("http://127.0.0.1@attacker.example", false), ("http://user:pw@127.0.0.1:8080", false), ("https://user@www.cstar.help", false),
        ("http://attacker.example#@127.0.0.1", false), ("http://128.0.0.1", false), ("http://127.0.0.256", false),
        ("http://10.0.0.1", false), ("ftp://127.0.0.1", false), ("http://", false), ("not a url", false),
    ])
    func hosts(url: String, allowed: Bool) {
        let ok = (try? CStarTarget.checkTransport(url)) != nil
        #expect(ok == allowed, "\(url)")
    }

    @Test func theRefusalSaysWhyAndWhatToDo() {
        #expect(throws: TargetError.self) { try CStarTarget.checkTransport("http://127.0.0.1.attacker.example:8099") }
        do {
            try CStarTarget.checkTransport("http://127.0.0.1.attacker.example:8099")
        } catch {
            #expect("\(error)".contains("not a loopback address") && "\(error)".contains("https://"))
        }
    }
}
