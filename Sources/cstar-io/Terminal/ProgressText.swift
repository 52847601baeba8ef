import CStarIO
import Foundation
import Synchronization

/// Progress of a run on stderr. On a terminal, one live line per entity (records, rate, ETA, quota left),
/// rewritten in place; otherwise (logs, CI) a line at each entity boundary and at most one every `interval`
/// seconds in between.
final class ProgressReporter: Sendable {
    /// The line told on every wait for the quota window.
    static func quotaWaitLine(until: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        let left = max(0, Int((until - Date().timeIntervalSince1970).rounded()))
        return "waiting for the quota window: it resets at \(f.string(from: Date(timeIntervalSince1970: until))) (in \(left / 60)m \(left % 60)s); the run goes on by itself"
    }

    private struct State {
        var entityStart = Date()
        var lastPrint = Date.distantPast
        var lineOpen = false
    }
    private let live: Bool
    private let interval: TimeInterval
    private let quotaLeft: @Sendable () -> Int?
    private let state = Mutex(State())

    init(live: Bool = Console.stderrIsTerminal, interval: TimeInterval? = nil, quotaLeft: @escaping @Sendable () -> Int? = { nil }) {
        self.live = live
        self.interval = interval ?? (live ? 0.2 : 10)
        self.quotaLeft = quotaLeft
    }

    func handle(_ event: PipelineProgress) {
        state.withLock { st in
            let now = Date()
            switch event {
            case .entityStarted(let entity, let files):
                st.entityStart = now
                st.lastPrint = now
                emit("\(entity): reading \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))", &st)
            case .batchDelivered(let entity, _, _, let read, let delivered, let fraction):
                guard now.timeIntervalSince(st.lastPrint) >= interval else { return }
                st.lastPrint = now
                let line = Self.status(entity: entity, read: read, delivered: delivered, elapsed: now.timeIntervalSince(st.entityStart),
                                       fraction: fraction, quota: quotaLeft())
                if live {
                    FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
                    st.lineOpen = true
                } else {
                    emit(line, &st)
                }
            case .entityFinished(let s):
                let rate = Self.rate(Double(s.read), now.timeIntervalSince(st.entityStart))
                emit("\(s.entity): done — \(s.read) read, \(s.created) created, \(s.updated) updated, \(s.skipped) skipped, \(s.rejected) rejected (\(rate))", &st)
            case .entitySkipped(let entity, let reason):
                emit("\(entity): not imported — \(reason)", &st)
            }
        }
    }

    private func emit(_ line: String, _ st: inout State) {
        if st.lineOpen { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        st.lineOpen = false
        Console.err(line)
    }

    /// `tickets: 12,500 read · 12,000 sent · 850/s · 41% · ETA 1m 40s · quota 812 left`
    static func status(entity: String, read: Int, delivered: Int, elapsed: TimeInterval, fraction: Double?, quota: Int?) -> String {
        var parts = ["\(entity): \(read) read", "\(delivered) sent", rate(Double(read), elapsed)]
        if let f = fraction, f > 0 {
            parts.append("\(Int(f * 100))%")
            if f < 1, elapsed > 1 { parts.append("ETA \(duration(elapsed * (1 - f) / f))") }
        }
        if let q = quota { parts.append("quota \(q) left") }
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
