import CStarIO
import Foundation
import Testing

@Suite("Checkpoint store")
struct CheckpointStoreTests {
    @Test func aResumedRunThatFormsOtherBatchesIsStopped() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).sqlite").path
        let store = try CheckpointStore(path: path)
        let run = try store.startRun(fingerprint: "f", source: "s", target: "t")
        try store.markSent(runId: run, entity: "tickets", index: 0, key: "k", records: 2, recordsHash: "aaaa")
        try store.commit(runId: run, entity: "tickets", index: 0, outcome: "{}", target: "t", ids: [])
        #expect(try store.committedOutcome(runId: run, entity: "tickets", index: 0, recordsHash: "aaaa") == "{}")
        #expect(throws: CheckpointStore.BatchChanged.self) {
            _ = try store.committedOutcome(runId: run, entity: "tickets", index: 0, recordsHash: "bbbb")
        }
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 0) == 2, "a resumed run cuts batch 0 where it was cut")
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 1) == nil)
        // A batch sent but not committed may be formed again with other records: nothing of it counts yet.
        try store.markSent(runId: run, entity: "tickets", index: 1, key: "k1", records: 2, recordsHash: "cccc")
        try store.markSent(runId: run, entity: "tickets", index: 1, key: "k1b", records: 3, recordsHash: "dddd")
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 1) == 3)
    }

    @Test func naturalKeysReconcileWhatWasFound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).sqlite").path
        let store = try CheckpointStore(path: path)
        let run = try store.startRun(fingerprint: "f", source: "s", target: "t")
        try store.markSent(runId: run, entity: "tickets", index: 0, key: "k", records: 3, recordsHash: "h")
        try store.commit(runId: run, entity: "tickets", index: 0, outcome: "{}", target: "t", ids: [], naturalKeys: [
            .init(sourceKey: "1", natural: "1", messages: 5), .init(sourceKey: "2", natural: "2", messages: 2), .init(sourceKey: "3", natural: "3", messages: nil),
        ])
        try store.matchNaturalKeys(runId: run, entity: "tickets", [("1", "tkt_a", 5), ("2", "tkt_b", 1), ("9", "tkt_z", 0)])
        let tally = try store.finishNaturalKeys(runId: run, entity: "tickets", target: "t")
        #expect(tally.delivered == 3 && tally.found == 2 && tally.messageMismatches == 1, "\(tally)")
        #expect(try store.missingNaturalKeys(runId: run, entity: "tickets") == ["3"])
        #expect(try store.cstarId(target: "t", entity: "tickets", sourceKey: "1") == "tkt_a")
    }
}
