import CStarIO
import Foundation

/// Progress of an export on stderr: rows written against the rows the export windows promised so far ("10000+"
/// while a full window says more follow), the speed of the last seconds, and an ETA once the total is known. On a
/// terminal one line redrawn in place; otherwise a plain line every `CSTAR_IO_PROGRESS_INTERVAL` seconds (10).
final class RowProgress {
    private let live: Bool
    private let interval: TimeInterval
    private var last = Date.distantPast
    private var rate = SlidingRate()
    private var open = false

    init(live: Bool = Console.stderrIsTerminal) {
        self.live = live
        interval = live ? 0.25 : (ProcessInfo.processInfo.environment["CSTAR_IO_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 10)
    }

    func update(_ resource: String, _ p: ResourceExporter.Progress) {
        let now = Date()
        rate.record(total: p.rows, at: now.timeIntervalSince1970)
        guard now.timeIntervalSince(last) >= interval else { return }
        last = now
        var parts = ["\(resource): \(p.rows) rows written"]
        if p.promised > 0 {
            parts[0] += " of \(p.promised)\(p.more ? "+" : "")"
            if !p.more { parts[0] += " (\(Int(Double(min(p.rows, p.promised)) / Double(p.promised) * 100))%)" }
        }
        let perSecond = rate.perSecond(now: now.timeIntervalSince1970)
        parts.append(perSecond.map { "\(Int($0.rounded()))/s" } ?? "–/s")
        if p.promised > 0, !p.more, let r = perSecond, r > 0 { parts.append("ETA \(ProgressText.duration(Double(max(0, p.promised - p.rows)) / r))") }
        let line = parts.joined(separator: " · ")
        if live {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            open = true
        } else {
            Console.err(line)
        }
    }

    /// Clears the live line before the next message.
    func end() {
        if open { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        open = false
    }
}
