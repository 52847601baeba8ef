import CStarIO
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("XML record reader", .enabled(if: XMLRecordReader.isAvailable, "built without libxml2"))
struct XMLRecordReaderTests {
    struct Read {
        var records: [Record] = []
        var problems: [ReaderError] = []
        var warnings: [ReaderError] = []
    }

    func read(_ path: String, records: String? = nil, limits: XMLLimits = XMLLimits()) throws -> Read {
        let reader = try XMLRecordReader(path: path, recordsPath: records, limits: limits)
        var out = Read()
        while let item = try reader.next() {
            switch item {
            case .record(let r): out.records.append(r)
            case .problem(let p): out.problems.append(p)
            case .warning(let w): out.warnings.append(w)
            }
        }
        return out
    }

    @Test func railsTypedElementsBecomeTypedValuesWithDashedNamesAsWritten() throws {
        let path = try TestFiles.write("""
            <?xml version="1.0" encoding="UTF-8"?>
            <tickets type="array" count="2">
              <ticket>
                <nice-id type="integer">1198</nice-id>
                <created-at type="datetime">2025-01-08T15:22:10Z</created-at>
                <has-incidents type="boolean">false</has-incidents>
                <score type="float">2.5</score>
                <group-id type="integer" nil="true"></group-id>
                <external-id/>
                <subject>Brake &amp; rotor &lt;rub&gt; &#233;<![CDATA[ <raw> ]]></subject>
                <comments type="array">
                  <comment><author-id type="integer">7</author-id><is-public type="boolean">true</is-public><value>Hi
            there</value></comment>
                  <comment><author-id type="integer">8</author-id><attachments type="array"/></comment>
                </comments>
                <fields type="hash"><color>red</color></fields>
                <via><channel>web</channel></via>
              </ticket>
              <ticket priority="high">
                <nice-id type="integer">1199</nice-id>
                <tag>a</tag><tag>b</tag><tag>c</tag>
              </ticket>
            </tickets>
            """, name: "tickets.xml")
        let got = try read(path, records: "tickets")
        #expect(got.problems.isEmpty && got.warnings.isEmpty, "\(got.problems) \(got.warnings)")
        try #require(got.records.count == 2)
        let t = got.records[0]
        #expect(t.fields["nice-id"] == .int(1198))
        #expect(t.value(at: "created-at") == .string("2025-01-08T15:22:10Z"))
        #expect(t.fields["has-incidents"] == .bool(false))
        #expect(t.fields["score"] == .double(2.5))
        #expect(t.fields["group-id"] == .null)
        #expect(t.fields["external-id"] == .null, "an empty untyped element is null, as Rails reads it")
        #expect(t.fields["subject"] == .string("Brake & rotor <rub> é <raw> "))
        #expect(t.value(at: "comments.0.author-id") == .int(7))
        #expect(t.value(at: "comments.0.is-public") == .bool(true))
        #expect(t.value(at: "comments.0.value") == .string("Hi\nthere"))
        #expect(t.value(at: "comments.1.attachments") == .array([]))
        #expect(t.value(at: "fields.color") == .string("red"))
        #expect(t.value(at: "via.channel") == .string("web"))
        #expect(t.location.line == 3 && t.location.index == 1 && t.location.pointer == "/tickets/ticket[1]")
        let second = got.records[1]
        #expect(second.fields["tag"] == .array([.string("a"), .string("b"), .string("c")]), "repeated elements become an array")
        #expect(second.fields["@priority"] == .string("high"))
        #expect(second.location.line == 19 && second.location.pointer == "/tickets/ticket[2]")
        #expect("\(second.location)".hasSuffix("tickets.xml:19 /tickets/ticket[2]"))
    }

    @Test func aSingleRecordDocumentAndADocumentOfAnotherKind() throws {
        let single = try TestFiles.write("<ticket><nice-id type=\"integer\">5</nice-id></ticket>", name: "ticket-5.xml")
        let one = try read(single, records: "tickets")
        #expect(one.records.map { $0.fields["nice-id"] } == [.int(5)])
        #expect(one.records.first?.location.pointer == "/ticket[1]")
        let users = try TestFiles.write("<users type=\"array\"><user><id>1</id></user></users>", name: "users.xml")
        let other = try read(users, records: "tickets")
        #expect(other.records.isEmpty)
        #expect(other.warnings.count == 1 && other.warnings[0].message.contains("<users>"), "\(other.warnings)")
        // Without a records path the root's children are the records, whatever the root's name.
        #expect(try read(users).records.count == 1)
    }

    @Test func malformedInTheMiddleKeepsTheRecordsBeforeAndNamesTheLine() throws {
        var lines = ["<?xml version=\"1.0\"?>", "<users type=\"array\">"]
        for i in 1...3 { lines.append("  <user><id type=\"integer\">\(i)</id><name>U\(i)</name></user>") }
        lines.append("  <user><id type=\"integer\">4</id><name>broken</nmae></user>")  // line 6
        for i in 5...7 { lines.append("  <user><id type=\"integer\">\(i)</id></user>") }
        lines.append("</users>")
        // Enough after the error that it is not the end of the file.
        lines.append(String(repeating: "<!-- padding -->\n", count: 10_000))
        let path = try TestFiles.write(lines.joined(separator: "\n"), name: "users.xml")
        let got = try read(path)
        #expect(got.records.map { $0.fields["id"] } == [.int(1), .int(2), .int(3)])
        try #require(got.problems.count == 1)
        #expect(got.problems[0].line == 6, "\(got.problems[0])")
        #expect(got.problems[0].message.contains("malformed XML") && got.problems[0].message.contains("the rest of the file is not read"),
                "\(got.problems[0])")
        // A truncated file (an interrupted download) is reported too.
        let cut = try TestFiles.write(lines[0...4].joined(separator: "\n") + "\n  <user><id>9", name: "users.xml")
        let truncated = try read(cut)
        #expect(truncated.records.count == 3)
        #expect(truncated.problems.count == 1 && truncated.problems[0].line >= 5, "\(truncated.problems)")
    }

    @Test func billionLaughsIsRefusedAtOnce() throws {
        var dtd = "<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        for i in 1...9 { dtd += "<!ENTITY lol\(i) \"\(String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10))\">\n" }
        dtd += "]>\n"
        let path = try TestFiles.write("<?xml version=\"1.0\"?>\n" + dtd + "<users><user><name>&lol9;</name></user></users>\n", name: "users.xml")
        let start = Date()
        let got = try read(path)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(got.records.isEmpty)
        try #require(got.problems.count == 1)
        #expect(got.problems[0].line == 2 && got.problems[0].message.contains("DTD"), "\(got.problems[0])")
    }

    @Test func externalEntitiesAreNeverReadOrFetched() throws {
        // A listener on loopback that must never see a connection.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, size) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &size) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let documents = [
            "<!DOCTYPE users [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><users><user><name>&x;</name></user></users>",
            "<!DOCTYPE users [<!ENTITY x SYSTEM \"http://127.0.0.1:\(port)/x\">]><users><user><name>&x;</name></user></users>",
            "<!DOCTYPE users SYSTEM \"http://127.0.0.1:\(port)/evil.dtd\"><users><user><name>&x;</name></user></users>",
            "<!DOCTYPE users [<!ENTITY % p SYSTEM \"http://127.0.0.1:\(port)/p.dtd\"> %p;]><users><user><name>a</name></user></users>",
            // No DTD at all: an undeclared entity is an error, not a lookup.
            "<users><user><name>&x;</name></user></users>",
        ]
        for text in documents {
            let path = try TestFiles.write("<?xml version=\"1.0\"?>\n" + text, name: "users.xml")
            let got = try read(path)
            #expect(got.records.allSatisfy { !"\($0.fields)".contains("root:") }, "\(text)")
            #expect(got.records.isEmpty && got.problems.count == 1, "\(text): \(got.problems) \(got.records.map(\.fields))")
            #expect(got.problems.first?.line == 2, "\(text): \(got.problems)")
        }
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        let accepted = accept(listener, nil, nil)
        #expect(accepted < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "nothing connected to the listener")
        if accepted >= 0 { close(accepted) }
    }

    @Test func aHugeTextNodeRejectsItsRecordAndReadingGoesOn() throws {
        let huge = String(repeating: "x", count: 11_000_000)
        let path = try TestFiles.write("<users>\n<user><id>1</id></user>\n<user><id>2</id><notes>\(huge)</notes></user>\n<user><id>3</id></user>\n</users>\n",
                                       name: "users.xml")
        let got = try read(path)
        #expect(got.records.map { $0.fields["id"] } == [.string("1"), .string("3")])
        try #require(got.problems.count == 1)
        #expect(got.problems[0].line == 3 && got.problems[0].message.contains("longer than 10 MB") && got.problems[0].message.contains("/users/user[2]"),
                "\(got.problems[0])")
        var small = XMLLimits()
        small.maxRecordBytes = 1000
        let capped = try read(try TestFiles.write("<a><r><n>\(String(repeating: "y", count: 600))</n><m>\(String(repeating: "z", count: 600))</m></r><r><n>ok</n></r></a>", name: "a.xml"),
                              limits: small)
        #expect(capped.records.count == 1 && capped.problems.count == 1 && capped.problems[0].message.contains("larger than"), "\(capped.problems)")
    }

    @Test func deepNestingIsRefusedWithoutCrashing() throws {
        // Inside a record: past the reader's limit, that record is rejected and the next one read.
        let deep = String(repeating: "<d>", count: 100) + "x" + String(repeating: "</d>", count: 100)
        let path = try TestFiles.write("<users>\n<user><id>1</id>\(deep)</user>\n<user><id>2</id></user>\n</users>", name: "users.xml")
        let got = try read(path)
        #expect(got.records.map { $0.fields["id"] } == [.string("2")])
        #expect(got.problems.count == 1 && got.problems[0].message.contains("deeper than 64"), "\(got.problems)")
        // A document nested 100,000 deep: libxml2 stops at its own limit.
        let abyss = try TestFiles.write("<users><user>" + String(repeating: "<d>", count: 100_000), name: "deep.xml")
        let stopped = try read(abyss)
        #expect(stopped.records.isEmpty && stopped.problems.count == 1, "\(stopped.problems)")
    }

    @Test func theZendeskXMLSampleHoldsTheSameTicketsAndCommentsAsItsJSONTwin() throws {
        let root = TestFiles.repoRoot.appendingPathComponent("Samples")
        let xml = try read(root.appendingPathComponent("zendesk-xml/tickets.xml").path, records: "tickets")
        #expect(xml.problems.isEmpty && xml.warnings.isEmpty)
        var json = try JSONRecordReader(path: root.appendingPathComponent("zendesk-full/tickets.json").path, recordsPath: "tickets")
        var twins: [Record] = []
        while let item = try json.next() { if case .record(let r) = item { twins.append(r) } }
        #expect(xml.records.count == twins.count && twins.count == 13)
        for (x, j) in zip(xml.records, twins) {
            #expect(x.fields["nice-id"] == j.fields["id"])
            #expect(x.fields["subject"] == j.fields["subject"])
            let xc = x.value(at: "comments")?.arrayValue ?? [], jc = j.value(at: "comments")?.arrayValue ?? []
            #expect(xc.count == jc.count, "ticket \(j.fields["id"]!)")
            for (a, b) in zip(xc, jc) {
                #expect(a["value"] == b["body"] && a["is-public"] == b["public"] && a["author-id"] == b["author_id"] && a["created-at"] == b["created_at"])
                #expect(a["attachments"]?.arrayValue?.count == b["attachments"]?.arrayValue?.count)
            }
        }
    }

    @Test func xmlIsFoundByNameOrByContent() throws {
        let text = "<users><user><id>1</id></user></users>"
        for name in ["users.xml", "users.json", "users"] {
            var reader = try SourceFiles.reader(for: try TestFiles.write(text, name: name), options: ReaderOptions())
            guard case .record(let r)? = try reader.next() else { Issue.record("\(name): no record"); continue }
            #expect(r.fields["id"] == .string("1"), "\(name)")
        }
    }
}

@Suite("XML record reader without libxml2", .enabled(if: !XMLRecordReader.isAvailable))
struct XMLUnavailableTests {
    @Test func theXMLFormatSaysHowToEnableIt() throws {
        let path = try TestFiles.write("<users/>", name: "users.xml")
        #expect(throws: ReaderError.self) { _ = try XMLRecordReader(path: path) }
        do { _ = try SourceFiles.reader(for: path, options: ReaderOptions()) } catch let e as ReaderError {
            #expect(e.message.contains("apt-get install libxml2-dev"))
        }
    }
}
