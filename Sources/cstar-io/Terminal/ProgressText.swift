import CStarIO
import Foundation

/// One-line progress messages for stderr.
enum ProgressText {
    static func line(_ event: PipelineProgress) -> String {
        switch event {
        case .entityStarted(let entity, let files):
            return "\(entity): reading \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))"
        case .batchDelivered(let entity, let batch, let records, let read):
            return "\(entity): batch \(batch + 1) sent (\(records) records, \(read) read so far)"
        case .entityFinished(let s):
            return "\(s.entity): done — \(s.read) read, \(s.created) created, \(s.updated) updated, \(s.skipped) skipped, \(s.rejected) rejected"
        case .entitySkipped(let entity, let reason):
            return "\(entity): not imported — \(reason)"
        }
    }
}

/// The human summary printed at the end of a migration.
enum SummaryTable {
    static func render(_ s: MigrationSummary, source: String, target: String) -> String {
        var lines = ["Migrated \(source) → \(target)", ""]
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
        for e in s.entities where !e.skippedBy.isEmpty {
            let reasons = e.skippedBy.sorted { $0.key < $1.key }.map { "\($0.value) \(SummaryTable.reason($0.key))" }
            lines.append("  \(e.entity) skipped: \(reasons.joined(separator: ", "))")
        }
        lines.append("")
        lines.append("requests: \(s.requests) (minimum possible \(s.minimumRequests), retries \(s.retries)) · elapsed \(String(format: "%.1f", s.elapsedSeconds))s")
        if let r = s.rejectsFile { lines.append("rejected records and their reasons: \(r)") }
        return lines.joined(separator: "\n")
    }

    static func reason(_ code: String) -> String {
        switch code {
        case "filtered": return "filtered by the mapping's where"
        case "duplicate": return "duplicates in the source"
        case "exists": return "already in cStar"
        default: return code
        }
    }
}
