import CStarIO
import Foundation
import Testing

@Suite("Request budget")
struct RequestBudgetTests {
    final class FakeClock: @unchecked Sendable {
        var t = 1_800_000_000.0
        var slept: [Double] = []

        /// A budget whose waits advance this clock instead of sleeping.
        func budget(maxRequestsPerHour: Int? = nil) -> RequestBudget {
            RequestBudget(maxRequestsPerHour: maxRequestsPerHour, sleep: { d in
                let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                self.slept.append(s); self.t += s
            }, now: { self.t })
        }
    }

    @Test func waitsForTheResetWhenTheServerSaysNoneRemain() async throws {
        let clock = FakeClock()
        let budget = clock.budget()
        try await budget.acquire()
        await budget.update(limit: "2", remaining: "1", reset: String(Int(clock.t) + 30))
        try await budget.acquire()  // the last one in the window: no wait
        #expect(clock.slept.isEmpty)
        await budget.update(limit: "2", remaining: "0", reset: String(Int(clock.t) + 30))
        try await budget.acquire()
        #expect(clock.slept.count == 1)
        #expect(abs(clock.slept[0] - 31) < 0.01, "until the reset, plus a second for its rounding")
    }

    @Test func theOwnCapHoldsPerHour() async throws {
        let clock = FakeClock()
        let budget = clock.budget(maxRequestsPerHour: 3)
        for _ in 0..<3 { try await budget.acquire(); clock.t += 10 }
        #expect(clock.slept.isEmpty)
        try await budget.acquire()
        #expect(clock.slept.count == 1)
        #expect(abs(clock.slept[0] - 3570) < 0.01)
        #expect(await budget.waits == 1)
    }

    @Test func anOlderAnswerArrivingLateDoesNotRaiseTheCount() async throws {
        let clock = FakeClock()
        let budget = clock.budget()
        let reset = String(Int(clock.t) + 60)
        // Two requests in flight; the later answer (0 left) arrives before the earlier one (1 left).
        try await budget.acquire()
        try await budget.acquire()
        await budget.update(limit: "2", remaining: "0", reset: reset)
        await budget.update(limit: "2", remaining: "1", reset: reset)
        #expect(budget.remainingSnapshot == 0)
        try await budget.acquire()
        #expect(clock.slept.count == 1, "waits for the reset instead of sending into a 429")
        // A new window's answer is taken as it is.
        await budget.update(limit: "2", remaining: "1", reset: String(Int(clock.t) + 3600))
        #expect(budget.remainingSnapshot == 1)
    }
}
