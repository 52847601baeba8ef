import CStarIO
import Foundation
import TestSupport
import Testing

/// Random and mutated bytes through every reader: no crash, no hang, and bad input always ends in a diagnostic.
@Suite("Reader fuzzing")
struct ReaderFuzzTests {
    static let seeds: [String] = [
        #"{"tickets": [{"id": 1, "subject": "a\"b", "tags": ["x"], "n": -1.5e3}, {"id": 2, "c": {"d": [null, true]}}], "next_page": null}"#,
        "Id,Subject,Body\r\n1,\"a, b\",\"multi\nline\"\r\n2,plain,\"q \"\"x\"\"\"\r\n",
        "{\"id\":1}\n{\"id\":2,\"s\":\"\\u00e9\"}\n\n{\"id\":3}\n",
    ]

    static func mutate(_ input: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = input
        let interesting: [UInt8] = [0x22, 0x2C, 0x0A, 0x0D, 0x5B, 0x5D, 0x7B, 0x7D, 0x5C, 0x3A, 0x00, 0xFF, 0xC3, 0xE2, 0x80]
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            guard !b.isEmpty else { b.append(interesting.randomElement(using: &rng)!); continue }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: b[i] = interesting.randomElement(using: &rng)!
            case 1: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: b.remove(at: i)
            case 3: b.insert(interesting.randomElement(using: &rng)!, at: i)
            default: b.removeLast(Int.random(in: 0...min(b.count, 10), using: &rng))  // truncation
            }
        }
        return b
    }

    enum Outcome: Equatable { case clean(Int), diagnosed }

    /// Reads everything; a thrown error must be a ReaderError (a diagnostic), and items must be finite.
    static func drain(_ reader: inout some RecordReader, byteCount: Int) throws -> Outcome {
        var records = 0, problems = 0
        do {
            while let item = try reader.next() {
                switch item {
                case .record(let r):
                    records += 1
                    // What `read` prints for the record is the serialised object (for CSV rows a separate path).
                    var line = ByteSink(capacity: 16)
                    var encoder = NDJSONLineEncoder()
                    encoder.encode(r, into: &line)
                    #expect(Array(line.bytes) == JSONSerializer.bytes(.object(r.fields)) + [10])
                    line.deallocate()
                case .problem: problems += 1
                case .warning: break
                }
                #expect(records + problems <= byteCount + 2, "a reader must make progress")
                if records + problems > byteCount + 2 { return .diagnosed }
            }
        } catch is ReaderError {
            return .diagnosed
        }
        return problems > 0 ? .diagnosed : .clean(records)
    }

    // Async, yielding now and then: a long CPU-bound test must not hold a cooperative thread that other suites'
    // in-process sandboxes need (the pool has one thread per core).
    @Test(.timeLimit(.minutes(2))) func mutatedAndRandomInputsNeverCrashOrHang() async throws {
        var rng = SeededRandom(state: 99)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var diagnosed = 0
        for round in 0..<1500 {
            if round % 25 == 0 { await Task.yield() }
            let base = Array(Self.seeds[round % 3].utf8)
            let bytes = round % 10 == 9 ? (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                                        : Self.mutate(base, &rng)
            let path = dir.appendingPathComponent("f\(round)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            var json = try JSONRecordReader(path: path)
            let jsonOutcome = try Self.drain(&json, byteCount: bytes.count)
            // Whatever our JSON reader accepts whole, Foundation's parser must accept too: as one document, or
            // line by line when the reader recognised NDJSON from its first line.
            if case .clean = jsonOutcome, !bytes.isEmpty {
                func parses(_ b: some Collection<UInt8>) -> Bool {
                    (try? JSONSerialization.jsonObject(with: Data(b), options: [.fragmentsAllowed])) != nil
                }
                let lines = bytes.split(separator: 10).filter { !$0.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 } }
                let ok = parses(bytes) || (lines.count > 1 && lines.allSatisfy { parses($0) })
                #expect(ok, "accepted invalid JSON: \(String(decoding: bytes, as: UTF8.self))")
            }
            var nd = try NDJSONRecordReader(path: path)
            let ndOutcome = try Self.drain(&nd, byteCount: bytes.count)
            // Every non-blank line is either a record or a diagnostic.
            if case .clean(let n) = ndOutcome {
                let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                    .filter { !$0.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 } }.count
                #expect(n == lines)
            }
            var csv = try CSVRecordReader(path: path)
            _ = try Self.drain(&csv, byteCount: bytes.count)
            var csvReplacing = try CSVRecordReader(path: path, options: CSVOptions(invalidUTF8: .replace))
            _ = try Self.drain(&csvReplacing, byteCount: bytes.count)
            if jsonOutcome == .diagnosed { diagnosed += 1 }
        }
        #expect(diagnosed > 500, "mutations do produce bad input")
    }

    @Test func truncatedDocumentsAlwaysEndInADiagnostic() async throws {
        let doc = Array(Self.seeds[0].utf8)
        for cut in 1..<doc.count {
            if cut % 25 == 0 { await Task.yield() }
            let path = try TestFiles.writeBytes(Array(doc.prefix(cut)), name: "t.json")
            var r = try JSONRecordReader(path: path, recordsPath: "tickets")
            #expect(try Self.drain(&r, byteCount: cut) == .diagnosed, "cut at \(cut)")
        }
    }

    static let xmlSeed = """
        <?xml version="1.0" encoding="UTF-8"?>
        <tickets type="array">
          <ticket><nice-id type="integer">1</nice-id><subject>a &amp; b &#233;</subject><is-public type="boolean">true</is-public>
            <comments type="array"><comment><value><![CDATA[<b>x</b>]]></value><n nil="true"/></comment></comments></ticket>
          <ticket a="1"><nice-id type="integer">2</nice-id><t>x</t><t>y</t><h type="hash"><k type="float">1.5</k></h></ticket>
        </tickets>

        """

    /// The XML reader on mutated Zendesk-like documents: never a crash or a hang, and a document cut anywhere
    /// before its end always ends in a diagnostic (a truncated download is never taken as complete).
    @Test(.timeLimit(.minutes(2)), .enabled(if: XMLRecordReader.isAvailable))
    func mutatedAndTruncatedXMLNeverCrashesOrHangsAndCutsAreDiagnosed() async throws {
        var rng = SeededRandom(state: 17)
        let seed = Array(Self.xmlSeed.utf8)
        let interesting: [UInt8] = Array("<>&;\"'/!?=[]-".utf8) + [0x00, 0xFF, 0xC3, 0x0A]
        var diagnosed = 0
        for round in 0..<1500 {
            if round % 25 == 0 { await Task.yield() }
            var bytes = Self.mutate(seed, &rng)
            if round % 3 == 0, !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting.randomElement(using: &rng)! }
            let path = try TestFiles.writeBytes(bytes, name: "t.xml")
            var r = try XMLRecordReader(path: path, recordsPath: "tickets")
            if try Self.drain(&r, byteCount: bytes.count) == .diagnosed { diagnosed += 1 }
        }
        #expect(diagnosed > 300, "mutations do produce bad input (\(diagnosed))")
        // The closing tag ends at the last '>': every shorter prefix is an incomplete document.
        let end = seed.lastIndex(of: UInt8(ascii: ">"))!
        for cut in stride(from: 1, through: end, by: 3) {
            if cut % 60 == 0 { await Task.yield() }
            var r = try XMLRecordReader(path: try TestFiles.writeBytes(Array(seed.prefix(cut)), name: "t.xml"), recordsPath: "tickets")
            #expect(try Self.drain(&r, byteCount: cut) == .diagnosed, "cut at \(cut)")
        }
        var whole = try XMLRecordReader(path: try TestFiles.writeBytes(seed, name: "t.xml"), recordsPath: "tickets")
        #expect(try Self.drain(&whole, byteCount: seed.count) == .clean(2))
    }
}
