import NIOCore

/// Finds the rows of one resource in a `POST /export` JSON answer without parsing them: the byte range of each
/// row of `data.resources.<type>`, and `data.truncated.<type>`. Rows are parsed one at a time when they are
/// written (`ExportAnswer.window`), so a 10,000-row window with messages costs its bytes, not a tree of values.
///
/// Only the usual shape is read this way: an object (`{success, data: {…, resources: {<type>: [objects]},
/// truncated: {<type>: bool}}, meta}`, or the bare data object) with no escaped or repeated keys on the way. For
/// anything else it answers nil and the caller parses the whole answer as before. Members it steps over are
/// parsed (they are small) so an answer that is not JSON is still refused as one.
struct ExportAnswerScanner {
    let p: UnsafePointer<UInt8>
    let end: Int
    var i = 0

    struct Found: Equatable {
        var rows: [Range<Int>] = []
        var truncated: Bool? = nil
    }

    static func scan(_ bytes: UnsafeRawBufferPointer, type: String) -> Found? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        var s = ExportAnswerScanner(p: base.assumingMemoryBound(to: UInt8.self), end: bytes.count)
        return s.document(type: type)
    }

    private mutating func document(type: String) -> Found? {
        guard let top = members() else { return nil }
        skipSpace()
        guard i == end else { return nil }
        let dataRange: Range<Int>
        if let d = top.first(where: { $0.key == "data" }) {
            guard p[d.value.lowerBound] == UInt8(ascii: "{") else { return nil }
            for m in top where m.key != "data" { guard valid(m.value) else { return nil } }
            dataRange = d.value
        } else {
            // A bare data object.
            i = 0
            skipSpace()
            dataRange = i..<end
        }
        i = dataRange.lowerBound
        guard let data = members() else { return nil }
        var found = Found()
        for m in data {
            switch m.key {
            case "resources":
                guard p[m.value.lowerBound] == UInt8(ascii: "{") else { return nil }
                i = m.value.lowerBound
                guard let resources = members() else { return nil }
                for r in resources {
                    if r.key == type {
                        guard p[r.value.lowerBound] == UInt8(ascii: "["), let rows = elements(r.value) else { return nil }
                        found.rows = rows
                    } else if !valid(r.value) {
                        return nil
                    }
                }
            case "truncated":
                guard p[m.value.lowerBound] == UInt8(ascii: "{") else { return nil }
                i = m.value.lowerBound
                guard let flags = members() else { return nil }
                for f in flags {
                    guard valid(f.value) else { return nil }
                    if f.key == type { found.truncated = literal(f.value) }
                }
            default:
                guard valid(m.value) else { return nil }
            }
        }
        return found
    }

    /// The members of the object at `i` (keys without escapes, none repeated), each value's byte range.
    private mutating func members() -> [(key: String, value: Range<Int>)]? {
        skipSpace()
        guard i < end, p[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [(key: String, value: Range<Int>)] = []
        skipSpace()
        if i < end, p[i] == UInt8(ascii: "}") { i += 1; return out }
        while true {
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = i + 1
            var k = keyStart
            while k < end, p[k] != UInt8(ascii: "\""), p[k] != UInt8(ascii: "\\"), p[k] >= 0x20 { k += 1 }
            guard k < end, p[k] == UInt8(ascii: "\"") else { return nil }
            guard let key = UTF8Text.string(UnsafeBufferPointer(start: p + keyStart, count: k - keyStart)) else { return nil }
            guard !out.contains(where: { $0.key == key }) else { return nil }
            i = k + 1
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            let valueStart = i
            guard skipValue() else { return nil }
            out.append((key, valueStart..<i))
            skipSpace()
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return out }
            return nil
        }
    }

    /// The byte ranges of the elements of the array in `range`, each of them an object.
    private mutating func elements(_ range: Range<Int>) -> [Range<Int>]? {
        i = range.lowerBound + 1
        var out: [Range<Int>] = []
        skipSpace()
        if i < end, p[i] == UInt8(ascii: "]") { i += 1; return i == range.upperBound ? out : nil }
        while true {
            skipSpace()
            guard i < end, p[i] == UInt8(ascii: "{") else { return nil }
            let start = i
            guard skipValue() else { return nil }
            out.append(start..<i)
            skipSpace()
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return i == range.upperBound ? out : nil }
            return nil
        }
    }

    /// Steps over one value (strings with their escapes; containers by depth, their insides checked later).
    private mutating func skipValue() -> Bool {
        guard i < end else { return false }
        let c = p[i]
        if c == UInt8(ascii: "\"") { return skipString() }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
            var depth = 0
            while i < end {
                let b = p[i]
                if b == UInt8(ascii: "\"") {
                    guard skipString() else { return false }
                    continue
                }
                if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { i += 1; return true }
                }
                i += 1
            }
            return false
        }
        // A number or a literal: up to the next delimiter.
        let start = i
        while i < end {
            let b = p[i]
            if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
            i += 1
        }
        return i > start
    }

    private mutating func skipString() -> Bool {
        i += 1
        while i < end {
            let b = p[i]
            if b == UInt8(ascii: "\"") { i += 1; return true }
            i += b == UInt8(ascii: "\\") ? 2 : 1
        }
        return false
    }

    private mutating func skipSpace() {
        while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
    }

    /// Whether the value in `range` is JSON (through the client's parser).
    private func valid(_ range: Range<Int>) -> Bool {
        (try? JSONParser.parse(Array(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count)))) != nil
    }

    private func literal(_ range: Range<Int>) -> Bool? {
        let text = Array(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count))
        if text == Array("true".utf8) { return true }
        if text == Array("false".utf8) { return false }
        return nil
    }
}

/// Turns a `POST /export` answer into an `ExportWindow` whose rows are parsed when read.
enum ExportAnswer {
    /// `decode` is the whole-answer reading (the client's `decodeSuccess`), used when the scanner declines.
    static func window(_ body: ByteBuffer, type: String, status: Int, method: String, path: String, requestId: String?,
                       decode: ([UInt8]) throws -> JSONValue) throws -> ExportWindow {
        let found = body.withUnsafeReadableBytes { ExportAnswerScanner.scan($0, type: type) }
        guard let found else {
            let data = try decode(Array(body.readableBytesView))
            let rows = (data["resources"]?[type]?.arrayValue ?? []).compactMap(\.objectValue)
            return ExportWindow(rows: rows, truncated: data["truncated"]?[type]?.boolValue ?? (rows.count >= CStarAPI.maxExportRows))
        }
        let ranges = found.rows
        // Without a `truncated` flag, a full window means there may be more.
        let truncated = found.truncated ?? (ranges.count >= CStarAPI.maxExportRows)
        return ExportWindow(count: ranges.count, truncated: truncated) { index in
            let bytes = body.withUnsafeReadableBytes { Array($0[ranges[index]]) }
            do {
                if case .object(let row) = try JSONParser.parse(bytes, name: "\(method) \(path)") { return row }
            } catch {
                throw CStarAPIError(status: status, type: "api_error", code: "invalid_response", message: "the answer is not JSON: \(error)",
                                    param: nil, requestId: requestId, method: method, path: path)
            }
            throw CStarAPIError(status: status, type: "api_error", code: "invalid_response", message: "the answer is not JSON: a row is not an object",
                                param: nil, requestId: requestId, method: method, path: path)
        }
    }
}
