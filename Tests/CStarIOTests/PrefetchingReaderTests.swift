import CStarIO
import Foundation
import TestSupport
import Testing

@Suite("Prefetching reader")
struct PrefetchingReaderTests {
    @Test func keepsOrderProblemsAndTheFinalError() throws {
        var text = "id,name\n"
        for i in 0..<5000 { text += i == 2500 ? "broken\n" : "\(i),n\(i)\n" }
        text += "9999,\"never closed\n"
        let path = try TestFiles.writeBytes(Array(text.utf8), name: "p.csv")
        let reader = PrefetchingReader(try CSVRecordReader(path: path, options: CSVOptions(badRows: .reject)), batchSize: 64, maxBatches: 2)
        var ids: [String] = []
        var problems: [Int] = []
        while let item = try reader.next() {
            switch item {
            case .record(let r): ids.append(r.fields["id"]?.stringValue ?? "")
            case .problem(let p): problems.append(p.line)
            case .warning: break
            }
        }
        #expect(ids == (0..<5000).filter { $0 != 2500 }.map(String.init))
        #expect(problems == [2502, 5002])

        let stopping = PrefetchingReader(try CSVRecordReader(path: path, options: CSVOptions(badRows: .stop)), batchSize: 64)
        var seen = 0
        #expect(throws: ReaderError.self) { while let _ = try stopping.next() { seen += 1 } }
        #expect(seen == 2500, "records before the bad row arrive, then the error")
    }

    @Test func anAbandonedReaderStopsItsThread() throws {
        var text = "id\n"
        for i in 0..<100_000 { text += "\(i)\n" }
        let path = try TestFiles.writeBytes(Array(text.utf8), name: "a.csv")
        weak var abandoned: PrefetchingReader?
        for _ in 0..<20 {
            let reader = PrefetchingReader(try CSVRecordReader(path: path), batchSize: 16, maxBatches: 1)
            guard case .record(let first) = try reader.next() else { Issue.record("no first record"); return }
            #expect(first.fields["id"] == .string("0"))
            abandoned = reader
        }
        // The producer thread holds no reference to the reader, so dropping it frees it (and cancels the thread).
        #expect(abandoned == nil)
    }
}
