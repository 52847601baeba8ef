@testable import CStarIO
import Testing

/// A resumed run reports committed batches from what was stored with them (the rejects file and the counts are
/// rebuilt on every run), so the stored outcome must keep everything the report needs.
@Suite("Committed batch outcomes")
struct CommittedOutcomeTests {
    @Test func partialTicketsAndLocalRefusalsSurviveTheCheckpoint() throws {
        var outcome = BatchOutcome(created: 3, skipped: 1,
                                   errors: [BatchOutcome.RecordError(index: 1, code: "invalid_color", message: "bad colour", param: "color", notSent: true),
                                            BatchOutcome.RecordError(index: 4, code: "invalid_email", message: "refused", param: "email")])
        outcome.partial = [BatchOutcome.Partial(index: 2, present: 60, missing: 20, code: "thread_incomplete", message: "60 of 80")]
        let back = try CStarSink.decode(CStarSink.encode(outcome))
        #expect(back.created == 3 && back.skipped == 1)
        #expect(back.errors.map(\.notSent) == [true, false])
        #expect(back.errors.map(\.param) == ["color", "email"])
        #expect(back.partial.count == 1)
        #expect(back.partial.first.map { [$0.index, $0.present, $0.missing] } == [2, 60, 20])
        #expect(back.partial.first?.message == "60 of 80" && back.partial.first?.code == "thread_incomplete")
    }

    @Test func outcomesCommittedByEarlierVersionsStillRead() throws {
        let old = try CStarSink.decode(#"{"created":1,"updated":0,"skipped":0,"errors":[{"index":0,"code":"c","message":"m","param":null}]}"#)
        #expect(old.created == 1 && old.partial.isEmpty)
        #expect(old.errors.count == 1 && old.errors.first?.notSent == false && old.errors.first?.param == nil)
    }
}
