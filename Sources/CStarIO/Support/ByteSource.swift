import Foundation
import Synchronization

/// Buffered, forward-only bytes of a file (or stdin), with the current line number.
final class ByteSource {
    private let handle: FileHandle?
    private let closeOnDeinit: Bool
    var buffer: [UInt8]
    var pos = 0
    var end = 0
    private(set) var eof = false
    /// 1-based line of the byte at `pos`.
    var line = 1
    let chunkSize: Int
    /// Counts the bytes read from the file, for progress and ETA.
    var progress: ReadProgress?

    init(path: String, chunkSize: Int = 1 << 20) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            closeOnDeinit = false
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw ReaderError(file: path, line: 0, message: FileManager.default.fileExists(atPath: path)
                                  ? "cannot open the file for reading (check its permissions)" : "no such file")
            }
            handle = h
            closeOnDeinit = true
        }
        self.chunkSize = chunkSize
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Bytes already in memory (an HTTP body).
    init(bytes: [UInt8]) {
        handle = nil
        closeOnDeinit = false
        chunkSize = max(bytes.count, 1)
        buffer = bytes
        end = bytes.count
        eof = true
    }

    deinit { if closeOnDeinit { try? handle?.close() } }

    /// Makes at least one byte available at `pos`; false at end of input.
    @inline(__always)
    func ensure() throws -> Bool {
        if pos < end { return true }
        return try refill(keepingFrom: pos)
    }

    /// Reads more bytes, keeping `buffer[keep..<end]` (moved to the front). Returns false at end of input.
    func refill(keepingFrom keep: Int) throws -> Bool {
        guard !eof, let handle else { return false }
        let kept = end - keep
        if kept > 0 && keep > 0 {
            buffer.withUnsafeMutableBufferPointer { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + keep, kept)
            }
        }
        pos -= keep
        end = kept
        if buffer.count - end < chunkSize / 2 { buffer.append(contentsOf: [UInt8](repeating: 0, count: max(chunkSize, buffer.count))) }
        // Fill the free space (pipes hand over 64 KiB per read): fewer rescans of a long record.
        let start = end
        let fd = handle.fileDescriptor
        while end < buffer.count {
            let n = try buffer.withUnsafeMutableBufferPointer { b -> Int in
                while true {
                    let r = read(fd, b.baseAddress! + end, b.count - end)
                    if r >= 0 { return r }
                    if errno == EINTR { continue }
                    throw ReaderError(file: "", line: line, message: "read failed: \(String(cString: strerror(errno)))")
                }
            }
            if n == 0 { eof = true; break }
            end += n
            progress?.add(n)
        }
        return end > start || pos < end
    }

    @inline(__always)
    func peek() throws -> UInt8? {
        guard try ensure() else { return nil }
        return buffer[pos]
    }

    @inline(__always)
    func advance() {
        if buffer[pos] == 10 { line += 1 }
        pos += 1
    }
}

/// A problem reading an input file, with where it happened.
/// Bytes read so far out of the files' total size; shared between a reader thread and whoever reports progress.
public final class ReadProgress: Sendable {
    private let bytes = Atomic<Int>(0)
    public let totalBytes: Int

    public init(totalBytes: Int) { self.totalBytes = totalBytes }

    /// The total size of these files (0 for those that cannot be measured, such as stdin).
    public convenience init(files: [String]) {
        self.init(totalBytes: files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? NSNumber)?.intValue ?? 0) })
    }

    private let items = Atomic<Int>(0)

    func add(_ n: Int) { bytes.add(n, ordering: .relaxed) }
    /// One more item handed out by the reader (which may run ahead of its consumer on another thread).
    func produced() { items.add(1, ordering: .relaxed) }
    public var bytesRead: Int { bytes.load(ordering: .relaxed) }
    /// 0…1, or nil when the total is unknown.
    public var fraction: Double? { totalBytes > 0 ? min(1, Double(bytesRead) / Double(totalBytes)) : nil }

    /// The share of the input a consumer that has taken `consumed` items has got through: the bytes read so far,
    /// scaled down by how far the reader is ahead of it.
    public func fraction(consumed: Int) -> Double? {
        guard let f = fraction else { return nil }
        let made = items.load(ordering: .relaxed)
        return made > 0 ? f * min(1, Double(consumed) / Double(made)) : f
    }
}

public struct ReaderError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
