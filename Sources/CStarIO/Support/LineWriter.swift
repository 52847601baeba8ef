import Foundation

/// Buffered writing of text to a file, or to stdout for "-". With `atomic`, bytes go to a temporary file in the
/// same folder that replaces the destination only on `commit()`, so readers never see a half-written file.
public final class LineWriter {
    let path: String
    let tempPath: String?
    let handle: FileHandle
    var buffer = ByteSink()
    let flushAt = 1 << 18
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
        let folder = dir.isEmpty ? "." : dir
        let name = (path as NSString).lastPathComponent
        if atomic { Self.removeAbandonedTemporaries(in: folder, of: name) }
        let target = atomic ? folder + "/.\(name).tmp-\(getpid())" : path
        guard FileManager.default.createFile(atPath: target, contents: nil), let h = FileHandle(forWritingAtPath: target) else {
            throw ReaderError(file: path, line: 0, message: "cannot create the file (check the folder exists and is writable)")
        }
        handle = h
        tempPath = atomic ? target : nil
    }

    /// A killed writer leaves its `.<name>.tmp-<pid>` behind: remove those whose process is gone.
    static func removeAbandonedTemporaries(in folder: String, of name: String) {
        let prefix = ".\(name).tmp-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: folder + "/" + entry) }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        bytes.withUnsafeBufferPointer { buffer.append(bytes: $0) }
        if buffer.count >= flushAt { try flush() }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Lets the caller append straight into the output buffer (no intermediate copy).
    public func append(_ body: (inout ByteSink) -> Void) throws {
        body(&buffer)
        if buffer.count >= flushAt { try flush() }
    }

    public func flush() throws {
        guard buffer.count > 0 else { return }
        let fd = handle.fileDescriptor
        var offset = 0
        while offset < buffer.count {
            let n = Foundation.write(fd, buffer.base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ReaderError(file: path, line: 0, message: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll()
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

    deinit {
        discard()
        buffer.deallocate()
    }
}
