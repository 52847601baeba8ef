import CStarIO
import Foundation
import Synchronization

/// Progress of a run on stderr, measured against what is known: the records counted before each entity is sent.
/// On a terminal, one line for the active entity, redrawn in place twice a second (so a wait for the quota window
/// counts down instead of freezing); otherwise (logs, CI) a plain line at each entity boundary and at most one every
/// `interval` seconds in between (`CSTAR_IO_PROGRESS_INTERVAL` changes it; 10 by default).
final class ProgressReporter: Sendable {
    private struct State {
        var entity: String?
        var entityStart = Date()
        var lastPrint = Date.distantPast
        var lineOpen = false
        var total: Int?
        var perRequest = 1
        var settled = 0
        var rate = SlidingRate()
    }
    private let live: Bool
    private let interval: TimeInterval
    private let quota: @Sendable () -> RequestBudget.Snapshot?
    private let state = Mutex(State())
    private nonisolated(unsafe) let timer: DispatchSourceTimer

    init(live: Bool = Console.stderrIsTerminal, interval: TimeInterval? = nil, quota: @escaping @Sendable () -> RequestBudget.Snapshot? = { nil }) {
        self.live = live
        let configured = ProcessInfo.processInfo.environment["CSTAR_IO_PROGRESS_INTERVAL"].flatMap(Double.init)
        self.interval = interval ?? (live ? 0.5 : (configured ?? 10))
        self.quota = quota
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now() + self.interval, repeating: min(self.interval, 0.5))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Stops the redrawing (the run ended); closes an open live line.
    func stop() {
        timer.cancel()
        state.withLock { st in
            if st.lineOpen { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            st.lineOpen = false
            st.entity = nil
        }
    }

    func handle(_ event: PipelineProgress) {
        state.withLock { st in
            let now = Date()
            switch event {
            case .entityStarted(let entity, let files):
                st = State()
                st.entity = entity
                st.entityStart = now
                st.lastPrint = now
                emit("\(entity): reading \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))", &st)
            case .entityCounted(_, let records, let perRequest):
                st.total = records
                st.perRequest = perRequest
            case .batchDelivered(_, _, _, _, _, let settled, _):
                st.settled = settled
                // The speed is the client's own: time spent waiting for the quota is left out of it.
                st.rate.record(total: settled, at: quota()?.workingClock(now.timeIntervalSince1970) ?? now.timeIntervalSince1970)
                draw(now, &st, force: false)
            case .entityFinished(let s):
                st.entity = nil
                emit(ProgressText.entityDone(s, seconds: now.timeIntervalSince(st.entityStart)), &st)
            case .entitySkipped(let entity, let reason):
                emit("\(entity): not imported — \(reason)", &st)
            }
        }
    }

    private func tick() {
        state.withLock { st in draw(Date(), &st, force: false) }
    }

    private func draw(_ now: Date, _ st: inout State, force: Bool) {
        guard let entity = st.entity else { return }
        guard force || now.timeIntervalSince(st.lastPrint) >= interval else { return }
        st.lastPrint = now
        let t = now.timeIntervalSince1970
        let snapshot = quota()
        let speed = st.rate.perSecond(now: snapshot?.workingClock(t) ?? t)
        let estimate = st.total.flatMap { total in
            ProgressEstimate.estimate(recordsLeft: max(0, total - st.settled), recordsPerRequest: st.perRequest,
                                      recordsPerSecond: speed, quota: snapshot, now: t)
        }
        let line = ProgressText.status(entity: entity, settled: st.settled, total: st.total, rate: speed, estimate: estimate,
                                       quota: snapshot, now: t)
        if live {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            st.lineOpen = true
        } else {
            emit(line, &st)
        }
    }

    private func emit(_ line: String, _ st: inout State) {
        if st.lineOpen { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        st.lineOpen = false
        Console.err(line)
    }
}
