import CStarIO
import Foundation
import Testing

@Suite("Mappings")
struct MappingTests {
    static let minimal = """
        version: 1
        entity: customers
        target: customers
        source:
          files: [users.json]
          records: users
        key: id
        fields:
          email: { from: email, transform: [trim, lower], required: true }

        """

    func errors(_ yaml: String) -> [MappingError] {
        do {
            _ = try EntityMapping.parse(yaml: yaml, file: "m.yaml")
            return []
        } catch let e as MappingErrors {
            return e.errors
        } catch {
            return [MappingError(file: "", line: 0, column: 0, key: "", message: "\(error)")]
        }
    }

    @Test func theMinimalMappingIsValid() {
        #expect(errors(Self.minimal).isEmpty)
    }

    @Test(arguments: [
        (minimal + "colour: red\n", 10, "colour", "unknown key"),
        (minimal.replacingOccurrences(of: "[trim, lower]", with: "[trim, lowr]"), 9, "fields.email.transform[1]", "unknown transform 'lowr'"),
        (minimal.replacingOccurrences(of: "target: customers", with: "target: customer"), 3, "target", "unknown target"),
        (minimal.replacingOccurrences(of: "required: true", with: "required: maybe"), 9, "fields.email.required", "expected true or false"),
        (minimal.replacingOccurrences(of: "version: 1", with: "version: 2"), 1, "version", "unsupported mapping version"),
        (minimal.replacingOccurrences(of: "  records: users", with: "  recrods: users"), 6, "source.recrods", "did you mean 'records'"),
        (minimal.replacingOccurrences(of: "key: id\n", with: ""), 1, "key", "missing required key"),
    ])
    func badMappingsNameFileLineAndKey(yaml: String, line: Int, key: String, fragment: String) {
        let errs = errors(yaml)
        #expect(errs.count >= 1)
        let e = errs.first { $0.key == key }
        #expect(e != nil, "\(errs)")
        #expect(e?.line == line, "\(errs)")
        #expect(e?.description.hasPrefix("m.yaml:\(line):") == true)
        #expect(e?.message.contains(fragment) == true, "\(errs)")
    }

    @Test func invalidYAMLIsReportedWithAPosition() {
        let errs = errors("version: 1\nfields: [unclosed\n")
        #expect(errs.count == 1)
        #expect(errs.first?.message.contains("invalid YAML") == true)
    }

    @Test func theZendeskCustomersMappingMapsTheSample() throws {
        let mapping = try EntityMapping.load(path: TestFiles.repoRoot.appendingPathComponent("Mappings/zendesk/customers.yaml").path)
        var mapper = Mapper(mapping: mapping)
        var reader = try JSONRecordReader(path: TestFiles.repoRoot.appendingPathComponent("Samples/zendesk/users.json").path, recordsPath: "users")
        var mapped: [MappedRecord] = [], skipped: [Diagnostic] = [], rejected: [Diagnostic] = []
        var read = 0
        while let item = try reader.next() {
            guard case .record(let r) = item else { continue }
            read += 1
            switch try mapper.map(r) {
            case .mapped(let m, _): mapped.append(m)
            case .skipped(let d, _): skipped.append(d)
            case .rejected(let d): rejected.append(d)
            }
        }
        #expect(read == mapped.count + skipped.count + rejected.count)
        #expect(mapped.count == 35)
        #expect(skipped.filter { $0.code == "filtered" }.count == 4, "agents and admins")
        #expect(skipped.filter { $0.code == "duplicate" }.count == 1)
        #expect(rejected.count == 2)
        #expect(rejected.allSatisfy { $0.field == "email" && $0.location?.line ?? 0 > 0 })
        let tom = try #require(mapped.first { $0.sourceKey == "36100000026" })
        #expect(tom.payload["email"] == .string("tom.becker@mailbox.org"))
        let suspended = try #require(mapped.first { $0.sourceKey == "36100000030" })
        #expect(suspended.payload["status"] == .string("inactive"))
        #expect(mapped.first?.payload["metadata"]?["zendeskUserId"]?.stringValue != nil)
    }

    @Test(arguments: [
        (Transform.trim, JSONValue.string("  a "), JSONValue.string("a")),
        (.lower, .string("AbC"), .string("abc")),
        (.upper, .string("abc"), .string("ABC")),
        (.string, .int(42), .string("42")),
        (.number, .string(" 7 "), .int(7)),
        (.number, .string("2.5"), .double(2.5)),
        (.boolean, .string("Yes"), .bool(true)),
        (.boolean, .string("0"), .bool(false)),
        (.nullIfEmpty, .string("  "), .null),
        (.truncate(3), .string("abcdef"), .string("abc")),
        (.split(" "), .string("a  b c"), .array([.string("a"), .string("b"), .string("c")])),
        (.join(","), .array([.string("a"), .string("b")]), .string("a,b")),
        (.map(["hold": .string("pending")], fallback: .string("open"), reject: false), .string("hold"), .string("pending")),
        (.map(["hold": .string("pending")], fallback: .string("open"), reject: false), .string("weird"), .string("open")),
        (.lower, .array([.string("A"), .string("B")]), .array([.string("a"), .string("b")])),
        (.trim, .null, .null),
    ])
    func transforms(t: Transform, input: JSONValue, expected: JSONValue) throws {
        #expect(try Mapper.applyForTesting(t, input) == expected)
    }

    @Test func failingTransformsRejectWithAReason() {
        #expect(throws: (any Error).self) { try Mapper.applyForTesting(.number, .string("abc")) }
        #expect(throws: (any Error).self) { try Mapper.applyForTesting(.map(["a": .string("b")], fallback: nil, reject: true), .string("z")) }
    }
}
