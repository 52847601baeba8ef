import Foundation

/// A complete HTTP answer of the sandbox, independent of the HTTP server (so it can be stored for idempotent replay).
public struct SandboxResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func timestamp(_ date: Date = Date()) -> String {
        Timestamps.format(date)
    }

    static func success(_ data: SJSON, status: Int = 200, requestId: String, extraMeta: [(String, SJSON)] = []) -> SandboxResponse {
        let meta: SJSON = .object([("requestId", .string(requestId)), ("timestamp", .string(timestamp()))] + extraMeta)
        let body: SJSON = .object([("success", .bool(true)), ("data", data), ("meta", meta)])
        return SandboxResponse(status: status, headers: [("Content-Type", "application/json")], body: body.data)
    }

    static func error(_ e: APIError, requestId: String) -> SandboxResponse {
        var err: [(String, SJSON)] = [("type", .string(e.type)), ("code", .string(e.code)), ("message", .string(e.message))]
        if let p = e.param { err.append(("param", .string(p))) }
        if let r = e.retryAfter { err.append(("retryAfter", .int(Int64(r)))) }
        err.append(("doc_url", .string("https://www.cstar.help/developers/errors#\(e.code)")))
        err.append(("request_id", .string(requestId)))
        let body: SJSON = .object([
            ("success", .bool(false)), ("error", .object(err)),
            ("meta", .object([("requestId", .string(requestId)), ("timestamp", .string(timestamp()))])),
        ])
        var headers = [("Content-Type", "application/json")]
        if let r = e.retryAfter { headers.append(("Retry-After", String(r))) }
        return SandboxResponse(status: e.status, headers: headers, body: body.data)
    }

    static func csv(_ text: String) -> SandboxResponse {
        SandboxResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8")], body: Data(text.utf8))
    }
}

/// The sandbox's timestamps. Like the client's `DateParsing` in shape, kept apart on purpose: the sandbox shares no
/// code with the client, so one bug cannot make both wrong the same way (../shared/design.md).
enum Timestamps {
    /// ISO 8601 with milliseconds, UTC, e.g. 2026-11-23T10:00:00.123Z.
    static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var secs = time_t(ms / 1000)
        var t = tm()
        gmtime_r(&secs, &t)
        // Written byte by byte (the fields zero-padded to 4, 2, 2, 2, 2, 2 and 3 digits; a wider year as it is).
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func pad(_ v: Int32, _ n: Int) {
            let digits = Array(String(v).utf8)
            if digits.count < n { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - digits.count)) }
            out.append(contentsOf: digits)
        }
        func two(_ v: Int32) {
            if v >= 0, v < 100 { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) } else { pad(v, 2) }
        }
        pad(t.tm_year + 1900, 4); out.append(UInt8(ascii: "-")); two(t.tm_mon + 1); out.append(UInt8(ascii: "-")); two(t.tm_mday)
        out.append(UInt8(ascii: "T")); two(t.tm_hour); out.append(UInt8(ascii: ":")); two(t.tm_min); out.append(UInt8(ascii: ":")); two(t.tm_sec)
        out.append(UInt8(ascii: ".")); pad(Int32(ms % 1000), 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`, `±HH:MM` or no zone (taken as UTC).
    static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<(from + len) { guard b[i] >= 48, b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0, 4), b.count >= 10, b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, sec = 0, frac = 0.0, offset = 0
        var i = 10
        if i < b.count {
            guard b[i] == 84 || b[i] == 32, let hh = num(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let mm = num(i + 4, 2) else { return nil }
            h = hh; mi = mm; i += 6
            if i < b.count, b[i] == 58 { guard let ss = num(i + 1, 2) else { return nil }; sec = ss; i += 3 }
            if i < b.count, b[i] == 46 {
                var j = i + 1, scale = 0.1
                while j < b.count, b[j] >= 48, b[j] <= 57 { frac += Double(b[j] - 48) * scale; scale /= 10; j += 1 }
                i = j
            }
            if i < b.count {
                if b[i] == 90 { i += 1 }
                else if b[i] == 43 || b[i] == 45 {
                    let sign = b[i] == 43 ? 1 : -1
                    guard let oh = num(i + 1, 2) else { return nil }
                    var om = 0
                    if i + 3 < b.count, b[i + 3] == 58 { om = num(i + 4, 2) ?? 0; i += 6 } else if let m2 = num(i + 3, 2) { om = m2; i += 5 } else { i += 3 }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
            guard i == b.count else { return nil }
        }
        guard h < 24, mi < 60, sec < 61 else { return nil }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(sec)
        let epoch = timegm(&t)
        return Date(timeIntervalSince1970: Double(epoch) - Double(offset) + frac)
    }
}
