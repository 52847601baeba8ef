import Foundation

/// Buffered writing of text to a file, or to stdout for "-". With `atomic`, bytes go to a temporary file in the
/// same folder that replaces the destination only on `commit()`, so readers never see a half-written file.
public final class LineWriter {
    let path: String
    let tempPath: String?
    let handle: FileHandle
    var buffer: [UInt8] = []
    let flushAt = 1 << 16
    private var finished = false

    public init(path: String, atomic: Bool = true) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardOutput
            tempPath = nil
            return
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let target = atomic ? (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())" : path
        guard FileManager.default.createFile(atPath: target, contents: nil), let h = FileHandle(forWritingAtPath: target) else {
            throw ReaderError(file: path, line: 0, message: "cannot create the file (check the folder exists and is writable)")
        }
        handle = h
        tempPath = atomic ? target : nil
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushAt { try flush() }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and (for atomic writers) moves the file into place.
    public func commit() throws {
        guard !finished else { return }
        finished = true
        try flush()
        if path != "-" {
            try handle.synchronize()
            try handle.close()
        }
        if let t = tempPath {
            if rename(t, path) != 0 {
                throw ReaderError(file: path, line: 0, message: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Abandons an atomic write, leaving any existing destination untouched.
    public func discard() {
        guard !finished else { return }
        finished = true
        if path != "-" { try? handle.close() }
        if let t = tempPath { unlink(t) }
    }

    deinit { discard() }
}
