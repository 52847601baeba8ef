import Foundation

/// The words of a progress line, apart from drawing it (the CLI's reporter redraws them on a terminal).
public enum ProgressText {
    /// The line told on every wait for the quota window.
    public static func quotaWaitLine(until: Double, now: Double = Date().timeIntervalSince1970) -> String {
        "waiting for the quota window, \(resetText(until: until, now: now)); the run goes on by itself"
    }

    /// "resets at 14:05:00 (in 12m 0s)"
    public static func resetText(until: Double, now: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return "resets at \(f.string(from: Date(timeIntervalSince1970: until))) (in \(duration(max(0, until - now))))"
    }

    /// `tickets: 12000/20000 done (60%) · 850/s · ETA 1m 40s · quota 812 left`, and while the quota is spent:
    /// `tickets: 12000/20000 done (60%) · waiting for the quota window, resets at 14:05:00 (in 12m 0s) · ETA 40m 0s (quota: 1000 requests per 1h 0m)`
    public static func status(entity: String, settled: Int, total: Int?, rate: Double?, estimate: ProgressEstimate?,
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

    /// "tickets: done — 120 read, 100 created, … (850/s, 1m 2s)"
    public static func entityDone(_ s: EntitySummary, seconds: TimeInterval) -> String {
        "\(s.entity): done — \(s.read) read, \(s.created) created, \(s.updated) updated, \(s.skipped) skipped, \(s.rejected) rejected (\(rate(Double(s.read), seconds)), \(duration(seconds)))"
    }

    public static func rate(_ count: Double, _ seconds: TimeInterval) -> String {
        seconds > 0 ? "\(Int((count / seconds).rounded()))/s" : "–/s"
    }

    /// "1h 5m", "2m 3s", "7s"
    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h \((t % 3600) / 60)m" }
        if t >= 60 { return "\(t / 60)m \(t % 60)s" }
        return "\(t)s"
    }
}
