@testable import CStarIO
import Testing

@Suite("Progress estimates")
struct ProgressEstimateTests {
    @Test func withoutAQuotaTheSpeedDecides() throws {
        let e = try #require(ProgressEstimate.estimate(recordsLeft: 1000, recordsPerRequest: 500, recordsPerSecond: 100, quota: nil, now: 0))
        #expect(e.basis == .speed && e.seconds == 10)
    }

    @Test func whenTheRequestsLeftDoNotFitTheWindowTheQuotaDecides() throws {
        // 1,000 requests an hour, 10 left, the window ends in 600 s: 2,010 requests need two more windows after it.
        let quota = RequestBudget.Snapshot(limit: 1000, remaining: 10, resetAt: 600, period: 3600, waitingUntil: nil)
        let e = try #require(ProgressEstimate.estimate(recordsLeft: 2010, recordsPerRequest: 1, recordsPerSecond: 1000, quota: quota, now: 0))
        #expect(e.basis == .quota(limit: 1000, period: 3600))
        #expect(abs(e.seconds - (601 + 3600 + 1)) < 0.01, "\(e.seconds)")
    }

    @Test func requestsThatFitTheWindowGoAtTheLocalSpeed() throws {
        let quota = RequestBudget.Snapshot(limit: 1000, remaining: 500, resetAt: 600, period: 3600, waitingUntil: nil)
        let e = try #require(ProgressEstimate.estimate(recordsLeft: 100, recordsPerRequest: 1, recordsPerSecond: 50, quota: quota, now: 0))
        #expect(e.basis == .speed && e.seconds == 2)
    }

    @Test func aClientSlowerThanTheQuotaIsEstimatedFromItsSpeed() throws {
        // 1,000 an hour allowed, but the client does one request every 10 s: 10,000 s a window, not 3,600.
        let quota = RequestBudget.Snapshot(limit: 1000, remaining: 0, resetAt: 10, period: 3600, waitingUntil: nil)
        let e = try #require(ProgressEstimate.estimate(recordsLeft: 2000, recordsPerRequest: 1, recordsPerSecond: 0.1, quota: quota, now: 0))
        #expect(e.basis == .speed)
        #expect(abs(e.seconds - (11 + 10_000 + 10_000)) < 0.01, "\(e.seconds)")
    }

    @Test func theWorkingClockLeavesOutTheWaits() {
        var s = RequestBudget.Snapshot()
        s.waitedSeconds = 30
        s.waitingSince = 90
        #expect(s.workingClock(100) == 60)
    }

    @Test func theRateIsTheRecentOne() {
        var r = SlidingRate(span: 10)
        r.record(total: 0, at: 0)
        r.record(total: 10, at: 100)   // a long stall long ago
        r.record(total: 110, at: 105)
        r.record(total: 210, at: 110)
        #expect(r.perSecond(now: 110) == 20)
    }
}
