import CStarIO
import Foundation

/// Writes a run's HTML report (`RunReportHTML`) where `--report` or `report RUN-ID` says: private (0600, as every file
/// the tool makes), whole or not at all (written beside, then renamed).
enum ReportFile {
    static func write(_ path: String, command: String, runId: String?, source: String, target: String, startedAt: String?,
                      summary: JSONValue, quiet: Bool) throws {
        let title: String
        switch command {
        case "restore": title = "Restore report"
        case "plan": title = "Migration plan (nothing sent)"
        case "bulk": title = "Bulk edit report (deleted records count as skipped)"
        default: title = "Migration report"
        }
        let iso = ISO8601DateFormatter()
        let report = JSONObject([
            ("title", .string(title)), ("command", .string(command)), ("runId", runId.map { .string($0) } ?? .null),
            ("source", .string(source)), ("target", .string(target)), ("startedAt", startedAt.map { .string($0) } ?? .null),
            ("summary", summary), ("version", .string(CStarIOVersion.current)), ("generatedAt", .string(iso.string(from: Date()))),
        ])
        let html = RunReportHTML.render(report)
        let temporary = path + ".partial"
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: temporary))
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            throw UsageError("cannot write the report '\(path)': \(error.localizedDescription)")
        }
        JSONResult.emit(JSONObject([("report", .string(path))]))
        if !quiet { Console.err("Report written: \(path)") }
    }
}
