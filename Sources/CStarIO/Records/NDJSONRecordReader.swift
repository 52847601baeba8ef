import Foundation

/// Streams NDJSON / JSON Lines: one JSON object per line. Blank lines are allowed; a bad line becomes a
/// problem item with its line number and reading goes on.
public struct NDJSONRecordReader: RecordReader {
    let file: String
    let source: ByteSource
    private var line = 0
    private var index = 0

    public init(path: String, progress: ReadProgress? = nil) throws {
        file = path
        source = try ByteSource(path: path)
        source.progress = progress
    }

    /// Lines from the current position of a source another reader opened (line numbers go on from there).
    init(source: ByteSource, file: String) {
        self.file = file
        self.source = source
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

    public mutating func next() throws -> ReadItem? {
        while let bytes = try nextLine() {
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
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
        return nil
    }
}
