import Foundation

/// Streams NDJSON / JSON Lines: one JSON object per line. Blank lines are allowed; a bad line becomes a
/// problem item with its line number and reading goes on.
///
/// Each line is checked and compacted in place in the shared read buffer (`JSONCompactScanner`): no copy of
/// the line, no parser per line. A line the scanner declines (malformed, or not an object) is read again by the
/// token parser, which words the problem exactly as before.
public struct NDJSONRecordReader: RecordReader {
    let file: String
    let source: ByteSource
    private var line = 0
    private var index = 0
    /// Keep records as their compact bytes (for printing) instead of making objects.
    let lazy: Bool
    private let scratch = CompactScratch()
    private var decoder = JSONCompactDecoder()

    public init(path: String, lazy: Bool = false, progress: ReadProgress? = nil) throws {
        file = path
        source = try ByteSource(path: path)
        source.progress = progress
        self.lazy = lazy
    }

    /// Lines from the current position of a source another reader opened (line numbers go on from there).
    init(source: ByteSource, file: String, lazy: Bool = false) {
        self.file = file
        self.source = source
        self.lazy = lazy
        line = source.line - 1
    }

    /// The next line's bytes (without its line end), or nil at the end of input.
    private mutating func nextLine() throws -> [UInt8]? {
        guard try source.ensure() else { return nil }
        var searchFrom = source.pos
        while true {
            let found: Int? = source.buffer.withUnsafeBufferPointer { b in
                guard searchFrom < source.end else { return nil }
                guard let p = memchr(b.baseAddress! + searchFrom, 10, source.end - searchFrom) else { return nil }
                return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if let lf = found {
                var end = lf
                if end > source.pos, source.buffer[end - 1] == 13 { end -= 1 }
                let bytes = Array(source.buffer[source.pos..<end])
                source.pos = lf + 1
                line += 1
                return bytes
            }
            if source.eof {
                let bytes = Array(source.buffer[source.pos..<source.end])
                source.pos = source.end
                line += 1
                return bytes
            }
            let offset = source.end - source.pos
            _ = try source.refill(keepingFrom: source.pos)
            searchFrom = source.pos + offset
        }
    }

    /// Skips spaces, tabs and carriage returns at the start of a line; the byte after them (nil at the end of
    /// input), with `source.pos` on it.
    private func firstByteOfLine() throws -> UInt8? {
        while true {
            let stop: Int = source.buffer.withUnsafeBufferPointer { b in
                var i = source.pos
                while i < source.end, b[i] == 32 || b[i] == 9 || b[i] == 13 { i += 1 }
                return i
            }
            source.pos = stop
            if stop < source.end { return source.buffer[stop] }
            guard try source.refill(keepingFrom: stop) else { return nil }
        }
    }

    public mutating func next() throws -> ReadItem? {
        while true {
            guard let c = try firstByteOfLine() else { return nil }  // nothing but blanks up to the end
            if c == 10 {  // a blank line
                source.pos += 1
                line += 1
                continue
            }
            guard c == 123 else { return try slowLine() }
            switch try CompactScan.scan(source, into: scratch, lineMode: true) {
            case .scanned(let count, let canonical):
                line += 1
                index += 1
                let location = SourceLocation(file: file, line: line, index: index)
                if lazy { return .record(Record(json: JSONRow.make(scratch.base, count: count, canonical: canonical), location: location)) }
                return .record(Record(fields: decoder.object(scratch.base, count: count), location: location))
            case .declined:
                return try slowLine()
            }
        }
    }

    /// The line at `source.pos` through the token parser: a problem with its line number (or, for the rare
    /// valid line the scanner declines, the record).
    private mutating func slowLine() throws -> ReadItem? {
        guard let bytes = try nextLine() else { return nil }
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return try next() }
        index += 1
        do {
            let value = try JSONParser.parse(bytes, name: file)
            guard case .object(let o) = value else {
                return .problem(ReaderError(file: file, line: line, message: "line holds a JSON \(value.typeName), expected an object"))
            }
            return .record(Record(fields: o, location: SourceLocation(file: file, line: line, index: index)))
        } catch let e as ReaderError {
            return .problem(ReaderError(file: file, line: line, message: e.message))
        }
    }
}
