import Foundation

/// Dates as helpdesk exports write them, normalised to ISO 8601 UTC (`2025-03-14T09:21:07Z`).
public enum DateParsing {
    public enum Format: String, Sendable, CaseIterable {
        /// ISO 8601 with a zone (`Z`, `+02:00`), or without one (taken as UTC); a bare date is midnight UTC.
        case iso8601
        /// Zendesk CSV exports: `YYYY-MM-DD HH:MM` (and `:SS`), in UTC.
        case zendesk
        /// Seconds (or milliseconds, when 13 digits) since 1970.
        case epoch
        /// Whichever of the above parses.
        case auto
    }

    public static func normalise(_ value: JSONValue, format: Format) -> String? {
        if case .int(let i) = value, format == .epoch || format == .auto { return fromEpoch(Double(i)) }
        if case .double(let d) = value, format == .epoch || format == .auto { return fromEpoch(d) }
        guard let s = value.scalarText?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        switch format {
        case .iso8601, .zendesk: return parseISO(s)
        case .epoch: return Double(s).flatMap(fromEpoch)
        case .auto:
            if s.allSatisfy(\.isNumber), s.count >= 9 { return Double(s).flatMap(fromEpoch) }
            return parseISO(s)
        }
    }

    static func fromEpoch(_ v: Double) -> String? {
        guard v.isFinite, v >= 0 else { return nil }
        let seconds = v > 1e11 ? v / 1000 : v
        return format(Date(timeIntervalSince1970: seconds))
    }

    static func format(_ d: Date) -> String {
        var secs = time_t(d.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&secs, &t)
        func p(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(p(t.tm_year + 1900, 4))-\(p(t.tm_mon + 1, 2))-\(p(t.tm_mday, 2))T\(p(t.tm_hour, 2)):\(p(t.tm_min, 2)):\(p(t.tm_sec, 2))Z"
    }

    /// `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.fff]]`, then optionally `Z` or `±HH[:]MM`.
    /// The sandbox's timestamp parser (SandboxResponse.swift) has the same shape, kept apart on purpose: the sandbox
    /// shares no code with the client, so one bug cannot make both wrong the same way.
    static func parseISO(_ s: String) -> String? {
        let b = Array(s.utf8)
        func num(_ at: Int, _ len: Int) -> Int? {
            guard at + len <= b.count else { return nil }
            var v = 0
            for i in at..<(at + len) { guard (48...57).contains(b[i]) else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0, 4), b.count >= 10, b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, sec = 0, offset = 0
        var i = 10
        if i < b.count {
            guard b[i] == 84 || b[i] == 32, let hh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let mm = num(i + 4, 2) else { return nil }
            h = hh; mi = mm; i += 6
            if i < b.count, b[i] == 58 { guard let ss = num(i + 1, 2) else { return nil }; sec = ss; i += 3 }
            if i < b.count, b[i] == 46 { i += 1; while i < b.count, (48...57).contains(b[i]) { i += 1 } }
            if i < b.count, b[i] == 32 { i += 1 }
            if i < b.count {
                if b[i] == 90 { i += 1 }
                else if b[i] == 43 || b[i] == 45 {
                    let sign = b[i] == 43 ? 1 : -1
                    guard let oh = num(i + 1, 2) else { return nil }
                    var om = 0
                    if i + 3 < b.count, b[i + 3] == 58 { guard let m = num(i + 4, 2) else { return nil }; om = m; i += 6 }
                    else if let m = num(i + 3, 2) { om = m; i += 5 } else { i += 3 }
                    offset = sign * (oh * 3600 + om * 60)
                } else if s[s.index(s.startIndex, offsetBy: i)...] == "UTC" { i += 3 }
            }
            guard i == b.count, h < 24, mi < 60, sec < 61 else { return nil }
        }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(sec)
        let epoch = timegm(&t)
        return format(Date(timeIntervalSince1970: Double(epoch - offset)))
    }
}
