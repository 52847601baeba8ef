import Foundation

/// A run as one self-contained HTML page for the people who sign a migration off: per-entity bars, rejects by
/// reason with examples and their file:line, the source fields not migrated, requests against the minimum and the
/// quota, a timeline of throughput and quota waits, and the read-back. Inline CSS and SVG only: no script, no
/// external asset, no network reference. Numbers carry `data-*` attributes so a test can read them back.
public enum RunReportHTML {
    /// `report`: `{title, command, runId, source, target, startedAt, summary}`; `summary` is a `MigrationSummary`'s JSON
    /// (with `timeline` and `rejectGroups` when the run recorded them).
    public static func render(_ report: JSONObject) -> String {
        let s = report["summary"]?.objectValue ?? JSONObject()
        let entities = (s["entities"]?.arrayValue ?? []).compactMap(\.objectValue)
        func n(_ o: JSONObject, _ k: String) -> Int { Int(o[k]?.intValue ?? 0) }
        let total = { (k: String) in entities.reduce(0) { $0 + n($1, k) } }
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(report["title"]?.stringValue ?? "cstar-io report"))</title>
            <style>\(css)</style></head><body>
            <h1>\(esc(report["title"]?.stringValue ?? "cstar-io report"))</h1>
            <p class="meta"><b>\(esc(report["source"]?.stringValue ?? ""))</b> → <b>\(esc(report["target"]?.stringValue ?? ""))</b>
            · run <code>\(esc(report["runId"]?.stringValue ?? "-"))</code> · started \(esc(report["startedAt"]?.stringValue ?? "-"))
            · took <span id="elapsed">\(String(format: "%.1f", s["elapsedSeconds"]?.doubleValue ?? 0))</span> s</p>
            <div class="cards">
            \(card("read", total("read"), "records read")) \(card("created", total("created"), "created"))
            \(card("updated", total("updated"), "updated")) \(card("skipped", total("skipped"), "skipped"))
            \(card("rejected", total("rejected"), "rejected")) \(card("requests", n(s, "requests"), "requests"))
            </div>
            <h2>What moved, per entity</h2>
            <table id="entities"><thead><tr><th>entity</th><th>cStar</th><th>read</th><th>created</th><th>updated</th><th>skipped</th><th>rejected</th><th></th></tr></thead><tbody>

            """
        let widest = max(1, entities.map { n($0, "read") }.max() ?? 1)
        for e in entities {
            let name = esc(e["entity"]?.stringValue ?? "")
            h += "<tr data-entity=\"\(name)\"><td>\(name)</td><td>\(esc(e["target"]?.stringValue ?? ""))</td>"
            for k in ["read", "created", "updated", "skipped", "rejected"] { h += "<td class=\"num\" data-kind=\"\(k)\">\(n(e, k))</td>" }
            h += "<td>\(bar([("created", n(e, "created")), ("updated", n(e, "updated")), ("skipped", n(e, "skipped")), ("rejected", n(e, "rejected"))], of: widest))</td></tr>\n"
        }
        h += "</tbody></table>\n<p class=\"legend\"><i class=\"created\"></i>created <i class=\"updated\"></i>updated <i class=\"skipped\"></i>skipped <i class=\"rejected\"></i>rejected</p>\n"

        h += "<h2>Rejected, by reason</h2>\n"
        let groups = (s["rejectGroups"]?.arrayValue ?? []).compactMap(\.objectValue)
        if groups.isEmpty {
            h += total("rejected") == 0 ? "<p>No record was rejected.</p>\n" : "<p>\(total("rejected")) records were rejected; their reasons are in the rejects file\(s["rejectsFile"]?.stringValue.map { " (\(esc($0)))" } ?? "").</p>\n"
        } else {
            h += "<table id=\"rejects\"><thead><tr><th>entity</th><th>reason</th><th>records</th><th>examples (file:line)</th></tr></thead><tbody>\n"
            for g in groups {
                let examples = (g["examples"]?.arrayValue ?? []).compactMap(\.objectValue).map { x in
                    "<li><code>\(esc(x["location"]?.stringValue ?? "-"))</code>\(x["field"]?.stringValue.map { " <b>\(esc($0))</b>" } ?? ""): \(esc(x["reason"]?.stringValue ?? ""))</li>"
                }.joined()
                h += "<tr data-code=\"\(esc(g["code"]?.stringValue ?? ""))\"><td>\(esc(g["entity"]?.stringValue ?? ""))</td><td>\(esc(g["code"]?.stringValue ?? ""))</td><td class=\"num\" data-kind=\"count\">\(n(g, "count"))</td><td><ul>\(examples)</ul></td></tr>\n"
            }
            h += "</tbody></table>\n"
            if let f = s["rejectsFile"]?.stringValue { h += "<p class=\"note\">Every rejected record, with its source record: <code>\(esc(f))</code></p>\n" }
        }

        h += "<h2>Left behind: source fields no mapping rule reads</h2>\n"
        let covered = entities.filter { $0["coverage"]?.objectValue != nil }
        if covered.isEmpty {
            h += "<p>Not measured for this run.</p>\n"
        } else {
            h += "<table id=\"coverage\"><thead><tr><th>entity</th><th>source fields not migrated (records with a value)</th></tr></thead><tbody>\n"
            for e in covered {
                let c = e["coverage"]!.objectValue!
                var fields = (c["notRead"]?.arrayValue ?? []).compactMap(\.objectValue).map { "\(esc($0["field"]?.stringValue ?? "")) (\(n($0, "records")))" }
                for (child, list) in (c["childNotRead"]?.objectValue?.pairs.map { ($0, $1) } ?? []) {
                    fields += (list.arrayValue ?? []).compactMap(\.objectValue).map { "\(esc(child)).\(esc($0["field"]?.stringValue ?? "")) (\(n($0, "records")))" }
                }
                h += "<tr data-entity=\"\(esc(e["entity"]?.stringValue ?? ""))\"><td>\(esc(e["entity"]?.stringValue ?? ""))</td><td>\(fields.isEmpty ? "everything is read" : fields.joined(separator: ", "))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }

        let requests = n(s, "requests"), minimum = n(s, "minimumRequests"), lookups = n(s, "lookupRequests")
        h += """
            <h2>Requests</h2>
            <p id="requests"><b data-kind="requests">\(requests)</b> requests (minimum <b data-kind="minimum">\(minimum)</b> for these records; \
            <b data-kind="lookups">\(lookups)</b> spent reading ids; \(n(s, "retries")) retries)\
            \(s["quotaLimit"]?.intValue.map { " · quota: \($0) requests per window" } ?? "") · waited for the quota \(n(s, "quotaWaits")) times, \
            \(String(format: "%.1f", s["quotaWaitSeconds"]?.doubleValue ?? 0)) s in all.</p>
            \(bar([("minimum", minimum), ("lookups", lookups), ("other", max(0, requests - minimum - lookups))], of: max(1, requests)))
            <p class="legend"><i class="minimum"></i>needed for the records <i class="lookups"></i>reading ids <i class="other"></i>retries and the rest</p>

            """

        h += "<h2>Timeline</h2>\n" + timeline(s["timeline"]?.objectValue, elapsed: s["elapsedSeconds"]?.doubleValue ?? 0)

        h += "<h2>Read back from cStar</h2>\n"
        let checked = entities.filter { $0["reconciliation"]?.objectValue != nil }
        if checked.isEmpty {
            h += "<p>Nothing was read back (a plan sends nothing).</p>\n"
        } else {
            h += "<table id=\"readback\"><thead><tr><th>entity</th><th>delivered</th><th>found in cStar</th><th></th></tr></thead><tbody>\n"
            for e in checked {
                let r = e["reconciliation"]!.objectValue!
                let ok = r["matches"]?.boolValue ?? false
                h += "<tr data-entity=\"\(esc(e["entity"]?.stringValue ?? ""))\"><td>\(esc(e["entity"]?.stringValue ?? ""))</td><td class=\"num\" data-kind=\"expected\">\(n(r, "expected"))</td><td class=\"num\" data-kind=\"found\">\(n(r, "found"))</td><td class=\"\(ok ? "ok" : "bad")\">\(ok ? "all there" : "MISMATCH")</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        h += "<footer>cstar-io \(esc(report["version"]?.stringValue ?? "")) · \(esc(report["command"]?.stringValue ?? "")) · generated \(esc(report["generatedAt"]?.stringValue ?? ""))</footer>\n</body></html>\n"
        return h
    }

    static func card(_ id: String, _ value: Int, _ label: String) -> String {
        "<div class=\"card k-\(id)\"><span class=\"value\" id=\"total-\(id)\">\(value)</span><span class=\"label\">\(label)</span></div>"
    }

    /// A stacked horizontal bar, `of` being the full width.
    static func bar(_ parts: [(String, Int)], of whole: Int) -> String {
        var x = 0.0
        var rects = ""
        for (kind, value) in parts where value > 0 {
            let w = Double(value) / Double(max(1, whole)) * 300
            rects += "<rect class=\"\(kind)\" x=\"\(fmt(x))\" y=\"0\" width=\"\(fmt(w))\" height=\"14\"><title>\(kind): \(value)</title></rect>"
            x += w
        }
        return "<svg class=\"bar\" width=\"300\" height=\"14\" viewBox=\"0 0 300 14\" role=\"img\">\(rects)</svg>"
    }

    /// Records done over time per entity (lines), quota waits as shaded bands.
    static func timeline(_ t: JSONObject?, elapsed: Double) -> String {
        let points = (t?["points"]?.arrayValue ?? []).compactMap(\.objectValue)
        let waits = (t?["waits"]?.arrayValue ?? []).compactMap(\.objectValue)
        guard !points.isEmpty else { return "<p>No timeline was recorded for this run.</p>\n" }
        let (width, height) = (720.0, 180.0)
        let span = max(elapsed, points.compactMap { $0["t"]?.doubleValue }.max() ?? 1, 0.1)
        func x(_ s: Double) -> Double { s / span * width }
        var svg = "<svg id=\"timeline\" width=\"\(Int(width))\" height=\"\(Int(height + 20))\" viewBox=\"0 0 \(Int(width)) \(Int(height + 20))\" role=\"img\">"
        for w in waits {
            let at = w["at"]?.doubleValue ?? 0, len = w["seconds"]?.doubleValue ?? 0
            svg += "<rect class=\"wait\" x=\"\(fmt(x(at)))\" y=\"0\" width=\"\(fmt(max(1, x(len))))\" height=\"\(Int(height))\"><title>waiting for the quota window: \(fmt(len)) s</title></rect>"
        }
        var byEntity: [(String, [JSONObject])] = []
        for p in points {
            let e = p["entity"]?.stringValue ?? ""
            if let i = byEntity.firstIndex(where: { $0.0 == e }) { byEntity[i].1.append(p) } else { byEntity.append((e, [p])) }
        }
        let palette = ["#2b7a4b", "#3867d6", "#c0392b", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b"]
        var legend = ""
        for (i, (entity, list)) in byEntity.enumerated() {
            let top = Double(max(1, list.compactMap { $0["settled"]?.intValue }.max() ?? 1))
            let path = list.map { "\(fmt(x($0["t"]?.doubleValue ?? 0))),\(fmt(height - Double($0["settled"]?.intValue ?? 0) / top * (height - 10)))" }.joined(separator: " ")
            let color = palette[i % palette.count]
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"><title>\(esc(entity))</title></polyline>"
            legend += "<i style=\"background:\(color)\"></i>\(esc(entity)) "
        }
        svg += "<text x=\"0\" y=\"\(Int(height + 15))\">0 s</text><text x=\"\(Int(width - 60))\" y=\"\(Int(height + 15))\">\(fmt(span)) s</text></svg>"
        return svg + "\n<p class=\"legend\">records done over time, each entity against its own total: \(legend)<i class=\"wait\"></i>waiting for the quota window (\(waits.count))</p>\n"
    }

    static func fmt(_ d: Double) -> String { String(format: "%.1f", d) }

    static func esc(_ s: String) -> String {
        var out = ""
        for c in APIKey.redact(s) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
        .meta{color:#555}.cards{display:flex;gap:10px;flex-wrap:wrap;margin:16px 0}
        .card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:90px}.card .value{display:block;font-size:22px;font-weight:600}
        .card .label{color:#666;font-size:12px}.k-created{border-left:6px solid #2b7a4b}.k-updated{border-left:6px solid #3867d6}
        .k-skipped{border-left:6px solid #aab}.k-rejected{border-left:6px solid #c0392b}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
        td.num{text-align:right;font-variant-numeric:tabular-nums}ul{margin:0;padding-left:16px}code{font-size:12px}
        .legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
        .created,rect.created{fill:#2b7a4b;background:#2b7a4b}.updated,rect.updated{fill:#3867d6;background:#3867d6}
        .skipped,rect.skipped{fill:#aab;background:#aab}.rejected,rect.rejected{fill:#c0392b;background:#c0392b}
        .minimum,rect.minimum{fill:#2b7a4b;background:#2b7a4b}.lookups,rect.lookups{fill:#3867d6;background:#3867d6}.other,rect.other{fill:#aab;background:#aab}
        rect.wait,.legend i.wait{fill:#f5d76e;opacity:.6;background:#f5d76e}svg text{font-size:11px;fill:#666}
        td.ok{color:#2b7a4b;font-weight:600}td.bad{color:#c0392b;font-weight:700}.note{color:#555}footer{margin-top:32px;color:#888;font-size:12px}
        """
}

extension JSONValue {
    /// A number as a Double (ints too).
    var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
