import CStarIO
import Foundation
import Synchronization

/// Progress of a run on stderr, measured against what is known: the records counted before each entity is sent.
/// On a terminal, one line for the active entity, redrawn in place twice a second (so a wait for the quota window
/// counts down instead of freezing); otherwise (logs, CI) a plain line at each entity boundary and at most one every
/// `interval` seconds in between (`CSTAR_IO_PROGRESS_INTERVAL` changes it; 10 by default).
final class ProgressReporter: Sendable {
    /// The line told on every wait for the quota window.
    static func quotaWaitLine(until: Double) -> String {
        "waiting for the quota window, \(resetText(until: until, now: Date().timeIntervalSince1970)); the run goes on by itself"
    }

    /// "resets at 14:05:00 (in 12m 0s)"
    static func resetText(until: Double, now: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return "resets at \(f.string(from: Date(timeIntervalSince1970: until))) (in \(duration(max(0, until - now))))"
    }

    private struct State {
        var entity: String?
        var entityStart = Date()
        var lastPrint = Date.distantPast
        var lineOpen = false
        var total: Int?
        var perRequest = 1
        var settled = 0
        var delivered = 0
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
            case .batchDelivered(_, _, _, _, let delivered, let settled, _):
                st.delivered = delivered
                st.settled = settled
                // The speed is the client's own: time spent waiting for the quota is left out of it.
                st.rate.record(total: settled, at: quota()?.workingClock(now.timeIntervalSince1970) ?? now.timeIntervalSince1970)
                draw(now, &st, force: false)
            case .entityFinished(let s):
                st.entity = nil
                let rate = Self.rate(Double(s.read), now.timeIntervalSince(st.entityStart))
                emit("\(s.entity): done — \(s.read) read, \(s.created) created, \(s.updated) updated, \(s.skipped) skipped, \(s.rejected) rejected (\(rate), \(Self.duration(now.timeIntervalSince(st.entityStart))))", &st)
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
        let line = Self.status(entity: entity, settled: st.settled, delivered: st.delivered, total: st.total,
                               rate: speed, estimate: estimate, quota: snapshot, now: t)
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

    /// `tickets: 12000/20000 done (60%) · 850/s · ETA 1m 40s · quota 812 left`, and while the quota is spent:
    /// `tickets: 12000/20000 done (60%) · waiting for the quota window, resets at 14:05:00 (in 12m 0s) · ETA 40m 0s (quota: 1000 requests per 1h 0m)`
    static func status(entity: String, settled: Int, delivered: Int, total: Int?, rate: Double?, estimate: ProgressEstimate?,
                       quota: RequestBudget.Snapshot?, now: Double) -> String {
        var parts: [String] = []
        if let total, total > 0 {
            parts.append("\(entity): \(settled)/\(total) done (\(Int((Double(settled) / Double(total) * 100).rounded(.down)))%)")
        } else {
            parts.append("\(entity): \(settled) done")
        }
        if let until = quota?.waitingUntil {
            parts.append("waiting for the quota window, \(resetText(until: until, now: now))")
        } else {
            parts.append(rate.map { "\(Int($0.rounded()))/s" } ?? "–/s")
        }
        if let e = estimate {
            switch e.basis {
            case .speed: parts.append("ETA \(duration(e.seconds))")
            case .quota(let limit, let period): parts.append("ETA \(duration(e.seconds)) (quota: \(limit) requests per \(duration(period)))")
            }
        }
        if quota?.waitingUntil == nil, let left = quota?.remaining { parts.append("quota \(left) left") }
        return parts.joined(separator: " · ")
    }

    static func rate(_ count: Double, _ seconds: TimeInterval) -> String {
        seconds > 0 ? "\(Int((count / seconds).rounded()))/s" : "–/s"
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h \((t % 3600) / 60)m" }
        if t >= 60 { return "\(t / 60)m \(t % 60)s" }
        return "\(t)s"
    }
}

/// The human summary printed at the end of a migration.
enum SummaryTable {
    /// `verb`: "Migrated", or "Restored" for a restore.
    static func render(_ s: MigrationSummary, source: String, target: String, verb: String = "Migrated") -> String {
        var lines = ["\(verb) \(source) → \(target)", ""]
        let header = ["entity", "read", "created", "updated", "skipped", "rejected", "failed"]
        var rows = [header]
        for e in s.entities {
            rows.append([e.entity, "\(e.read)", "\(e.created)", "\(e.updated)", "\(e.skipped)", "\(e.rejected)", "\(e.failed)"])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  "))
        }
        lines += details(s.entities, delivered: "delivered")
        lines.append("")
        lines.append(requestsLine(s))
        let checked = s.entities.filter { $0.reconciliation != nil }
        if !checked.isEmpty {
            let bad = s.mismatched
            lines.append(bad.isEmpty ? "checked against cStar: all \(checked.reduce(0) { $0 + ($1.reconciliation?.found ?? 0) }) records delivered are there"
                                     : "checked against cStar: MISMATCH in \(bad.map(\.entity).joined(separator: ", ")) (see above)")
        }
        if let r = s.rejectsFile { lines.append("rejected records and their reasons: \(r)") }
        return lines.joined(separator: "\n")
    }

    /// "N requests (minimum M for these records; K spent reading ids)": M counts only what this invocation had to
    /// send (the records cStar took or refused, not those a resumed run had committed or cStar already held), K every
    /// request that listed or read back, so N ≥ M + K; retries and quota waits follow when there were any.
    static func requestsLine(_ s: MigrationSummary) -> String {
        var line = "\(s.requests) requests (minimum \(s.minimumRequests) for these records; \(s.lookupRequests) spent reading ids"
        if s.retries > 0 { line += "; \(s.retries) retries" }
        if s.quotaWaits > 0 { line += "; waited \(ProgressReporter.duration(s.quotaWaitSeconds)) for the quota \(s.quotaWaits) time\(s.quotaWaits == 1 ? "" : "s")" }
        return line + ") · elapsed \(String(format: "%.1f", s.elapsedSeconds))s"
    }

    /// One warning per data file of the export folder no mapping reads (stderr), the likely records ones first.
    static func unclaimedWarnings(_ s: MigrationSummary) -> [String] {
        let files = s.unclaimedRecordFiles + s.unclaimedFiles.filter { $0.probableEntity == nil }
        var lines = files.prefix(20).map { "warning: \($0.message)" }
        if files.count > 20 { lines.append("warning: … \(files.count - 20) more files no mapping reads (see --json: unclaimedFiles)") }
        return lines
    }

    /// Per-entity lines under a table: why records were skipped, what became of their children (messages),
    /// what the summary must tell (attachments kept as links, values not migrated), and warnings (skipped or
    /// incomplete files). Shared by migrate, restore and plan.
    static func details(_ entities: [EntitySummary], delivered: String) -> [String] {
        var lines: [String] = []
        for e in entities {
            if !e.skippedBy.isEmpty {
                let reasons = e.skippedBy.sorted { $0.key < $1.key }.map { "\($0.value) \(reason($0.key))" }
                lines.append("  \(e.entity) skipped: \(reasons.joined(separator: ", "))")
            }
            if e.childRead > 0 || e.childRejected > 0 {
                var line = "  \(e.entity) messages: \(e.childRead) read, \(e.childDelivered) \(delivered), \(e.childRejected) rejected, \(e.childSkipped) skipped"
                if e.childRejected > 0 { line += " (rejected ones are in the rejects file)" }
                lines.append(line)
            }
            for (note, n) in e.notes.sorted(by: { $0.key < $1.key }) { lines.append("  \(e.entity): \(n) \(note)") }
            for w in e.warnings.prefix(10) { lines.append("  warning: \(w)") }
            if e.warnings.count > 10 { lines.append("  warning: … \(e.warnings.count - 10) more (see --json)") }
        }
        return lines
    }

    static func reason(_ code: String) -> String {
        switch code {
        case "filtered": return "filtered by the mapping's where"
        case "duplicate": return "duplicates in the source"
        case "exists": return "already in cStar"
        case "superseded": return "older versions of a record met again later (the latest is kept)"
        default: return code
        }
    }
}
