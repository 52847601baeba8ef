import Foundation

/// One JSON record kept as its compact bytes (`JSONCompactScanner`: checked, white space between tokens left
/// out) in a single allocation. Values are made only when someone reads them, and `read` prints a canonical
/// row by copying its bytes. The bytes are never written after the reader made the row.
final class JSONRow: ManagedBuffer<JSONRow.Header, UInt8> {
    struct Header {
        let count: Int
        /// The bytes are exactly what `JSONSerializer` prints for the parsed object.
        let canonical: Bool
    }

    static func make(_ bytes: UnsafePointer<UInt8>, count: Int, canonical: Bool) -> JSONRow {
        let buffer = JSONRow.create(minimumCapacity: count) { _ in Header(count: count, canonical: canonical) }
        let row = unsafeDowncast(buffer, to: JSONRow.self)
        row.withUnsafeMutablePointerToElements { $0.initialize(from: bytes, count: count) }
        return row
    }

    var canonical: Bool { header.canonical }

    @inline(__always)
    func withBytes<R>(_ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let n = header.count
        return withUnsafeMutablePointerToElements { body(UnsafePointer($0), n) }
    }

    /// The record as an object (made anew on each call).
    var object: JSONObject {
        var decoder = JSONCompactDecoder()
        return withBytes { decoder.object($0, count: $1) }
    }

    /// The value of a top-level key, without making the rest of the object.
    func value(forKey key: String) -> JSONValue? {
        var decoder = JSONCompactDecoder()
        return withBytes { decoder.value(forKey: key, $0, count: $1) }
    }

    /// Appends the record as `JSONSerializer` prints it (a copy when the row is canonical).
    @inline(__always)
    func write<O: JSONOutput>(to out: inout O) {
        withBytes { b, n in
            if header.canonical { out.append(bytes: UnsafeBufferPointer(start: b, count: n)) }
            else { JSONCompact.writeCanonical(b, count: n, to: &out) }
        }
    }
}

/// Scratch space a compact scan writes to: as large as the unread part of the source buffer.
final class CompactScratch {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init() {
        capacity = 1 << 16
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        base.deallocate()
        capacity = max(n, capacity * 2)
        base = .allocate(capacity: capacity)
    }
}

/// What scanning the value at a source's position gave.
enum CompactScan {
    /// The value's compact bytes are in the scratch; the source has moved past it (and, in line mode, past its
    /// line end).
    case scanned(count: Int, canonical: Bool)
    /// The scanner declined (malformed, or valid in a way it leaves to the token parser): the source is still
    /// at the value's first byte, with its line unchanged.
    case declined

    /// Scans the value at `source.pos` (an object or array start), reading more input as needed. In line mode
    /// the value must end its line (white space, then a line feed or the end of input).
    static func scan(_ source: ByteSource, into scratch: CompactScratch, lineMode: Bool) throws -> CompactScan {
        enum Step { case done(pos: Int, count: Int, canonical: Bool, lines: Int), needMore, declined }
        while true {
            let start = source.pos
            let end = source.end
            scratch.reserve(end - start + 16)
            let out = scratch.base
            let eof = source.eof
            let step: Step = source.buffer.withUnsafeBufferPointer { b in
                var s = JSONCompactScanner(base: b.baseAddress!, start: start, end: end, out: out, lineMode: lineMode)
                do throws(JSONScanStop) {
                    try s.value(depth: 0)
                    if lineMode, !(try s.finishLine(atEOF: eof)) { return .declined }
                    return .done(pos: s.p, count: s.o, canonical: s.canonical, lines: s.lines)
                } catch .needMore {
                    return eof ? .declined : .needMore
                } catch {
                    return .declined
                }
            }
            switch step {
            case .done(let pos, let count, let canonical, let lines):
                source.pos = pos
                source.line += lines
                return .scanned(count: count, canonical: canonical)
            case .declined:
                return .declined
            case .needMore:
                guard try source.refill(keepingFrom: start) else { return .declined }
            }
        }
    }
}
