import Foundation

/// The human summaries of migrate, restore, plan and validate: text lines from a `MigrationSummary`, so the
/// CLI only prints them (and tests read them without a process).
public enum SummaryText {
    /// The table printed at the end of a migration. `verb`: "Migrated", or "Restored" for a restore.
    public static func migration(_ s: MigrationSummary, source: String, target: String, verb: String = "Migrated") -> String {
        var lines = ["\(verb) \(source) → \(target)", ""]
        let header = ["entity", "read", "created", "updated", "skipped", "rejected", "failed"]
        lines += table([header] + s.entities.map {
            [$0.entity, "\($0.read)", "\($0.created)", "\($0.updated)", "\($0.skipped)", "\($0.rejected)", "\($0.failed)"]
        }, leftAligned: 1)
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

    /// One line per entity whose contents in cStar differ from what the run delivered (exit 4).
    public static func mismatchLines(_ s: MigrationSummary) -> [String] {
        s.mismatched.compactMap { e in
            guard let r = e.reconciliation else { return nil }
            return "error: cStar's \(e.target) do not match what this run delivered: \(r.found) of \(r.expected) found"
                + (r.messageMismatches > 0 ? ", \(r.messageMismatches) tickets with a different message count" : "")
                + (r.missingSample.isEmpty ? "" : " (missing source keys: \(r.missingSample.joined(separator: ", ")))") + "."
        }
    }

    /// The table of `plan` and `validate` (`title`: "Plan for", "Delta plan for", "Validation of").
    /// `rejects`: the first rejects (all of them are in `rejectsPath`); `batchFiles`: how many `--out` wrote.
    public static func plan(_ summary: MigrationSummary, delta: Bool, rejects: [JSONValue], rejectsPath: String, title: String,
                            source: String, withSamples: Bool, outputDirectory: String?, batchFiles: Int) -> String {
        var lines = ["\(title) \(source) (nothing is sent)", ""]
        let header = delta ? ["entity", "target", "read", "would create", "would update", "unchanged/skipped", "rejected"]
                           : ["entity", "target", "read", "would create", "skipped", "rejected"]
        lines += table([header] + summary.entities.map { e in
            delta ? [e.entity, e.target, "\(e.read)", "\(e.created)", "\(e.updated)", "\(e.skipped)", "\(e.rejected)"]
                  : [e.entity, e.target, "\(e.read)", "\(e.created)", "\(e.skipped)", "\(e.rejected)"]
        }, leftAligned: 2)
        lines += details(summary.entities, delivered: "would go")
        lines += coverageLines(summary.entities)
        lines.append("")
        lines.append(summary.entities.allSatisfy(\.reconciles)
                     ? "Every record is accounted for: read = would create + \(delta ? "would update + " : "")skipped + rejected, for each entity."
                     : "WARNING: counts do not reconcile; please report this.")
        if !rejects.isEmpty {
            lines.append("")
            lines.append("Rejected (first \(rejects.count); all with the source record in \(rejectsPath)):")
            for r in rejects {
                let field = r["field"]?.stringValue.map { ".\($0)" } ?? ""
                lines.append("  \(r["location"]?.stringValue ?? "-")  \(r["entity"]?.stringValue ?? "")\(field): \(r["reason"]?.stringValue ?? "")")
            }
        }
        if withSamples {
            lines.append("")
            lines.append("Sample payloads:")
            for e in summary.entities {
                for s in e.samples { lines.append("  \(e.entity): \(JSONSerializer.string(s).prefix(400))") }
            }
        }
        if let outputDirectory { lines += ["", "Batches written to \(outputDirectory)/ (\(batchFiles) files)"] }
        return lines.joined(separator: "\n")
    }

    /// The lines that say which mapping rules read fields no record has (`plan`/`validate` exit 2 with them).
    public static func missingFieldLines(_ entities: [EntitySummary]) -> [String] {
        var lines: [String] = []
        for e in entities {
            guard let c = e.coverage, !c.missing.isEmpty else { continue }
            let files = e.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            for m in c.missing { lines.append("error: \(e.entity): \(m) reads a field that no record of \(files) has") }
            lines.append("  the records have: \(c.available.prefix(60).joined(separator: ", "))")
        }
        guard !lines.isEmpty else { return [] }
        return lines + ["Fix the field names in the mapping, or mark a rule `optional: true` when exports may lack that field."]
    }

    /// Rows as columns: the first `leftAligned` columns padded on the right, the others (counts) on the left.
    static func table(_ rows: [[String]], leftAligned: Int) -> [String] {
        guard let header = rows.first else { return [] }
        return [TextTable.render(header: header, rows: Array(rows.dropFirst()), rightAligned: Set(leftAligned..<header.count))]
    }

    /// "N requests (minimum M for these records; K spent reading ids)": M counts only what this invocation had to
    /// send (the records cStar took or refused, not those a resumed run had committed or cStar already held), K every
    /// request that listed or read back, so N ≥ M + K; retries and quota waits follow when there were any.
    public static func requestsLine(_ s: MigrationSummary) -> String {
        var line = "\(s.requests) requests (minimum \(s.minimumRequests) for these records; \(s.lookupRequests) spent reading ids"
        if s.retries > 0 { line += "; \(s.retries) retries" }
        if s.quotaWaits > 0 { line += "; waited \(ProgressText.duration(s.quotaWaitSeconds)) for the quota \(s.quotaWaits) time\(s.quotaWaits == 1 ? "" : "s")" }
        return line + ") · elapsed \(String(format: "%.1f", s.elapsedSeconds))s"
    }

    /// One warning per data file of the export folder no mapping reads (stderr), the likely records ones first.
    public static func unclaimedWarnings(_ s: MigrationSummary) -> [String] {
        let files = s.unclaimedRecordFiles + s.unclaimedFiles.filter { $0.probableEntity == nil }
        var lines = files.prefix(20).map { "warning: \($0.message)" }
        if files.count > 20 { lines.append("warning: … \(files.count - 20) more files no mapping reads (see --json: unclaimedFiles)") }
        return lines
    }

    /// Per-entity lines under a table: why records were skipped, what became of their children (messages),
    /// what the summary must tell (attachments kept as links, values not migrated), and warnings (skipped or
    /// incomplete files). Shared by migrate, restore and plan.
    public static func details(_ entities: [EntitySummary], delivered: String) -> [String] {
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

    /// What the export holds that the mapping leaves behind, per entity (the coverage report).
    public static func coverageLines(_ entities: [EntitySummary]) -> [String] {
        var lines: [String] = []
        for e in entities {
            guard let c = e.coverage else { continue }
            func list(_ fields: [Coverage.Field]) -> String {
                let shown = fields.prefix(15).map { "\($0.name) (\($0.records))" }.joined(separator: ", ")
                return fields.count > 15 ? shown + ", … \(fields.count - 15) more (--json lists all)" : shown
            }
            if !c.notRead.isEmpty { lines.append("  \(e.entity) leaves behind (source field, records with a value): \(list(c.notRead))") }
            for (target, fields) in c.childNotRead.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(e.entity) \(target) leave behind: \(list(fields))")
            }
        }
        guard !lines.isEmpty else { return [] }
        return ["", "Not migrated — source fields no mapping rule reads:"] + lines
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
