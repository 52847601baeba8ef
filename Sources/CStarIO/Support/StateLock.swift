import Foundation

/// One writer per state folder: an advisory lock (`flock`) on `<state>/lock`, which the OS drops when the process
/// ends, however it ends — a SIGKILL never leaves a stale lock. The holder writes who it is into the file, so a
/// second command can say which command holds the folder.
public final class StateLock: @unchecked Sendable {
    /// Another process holds the folder.
    public struct Busy: Error, CustomStringConvertible, Sendable {
        public let folder: String
        public let holder: String
        public var description: String {
            "another cstar-io command is using the state folder '\(folder)': \(holder). Wait for it to finish, "
                + "or give this command its own --state-dir."
        }
    }

    private let fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    static func lockPath(_ folder: String) -> String { (folder as NSString).appendingPathComponent("lock") }

    /// Takes the folder for a command that writes its state (migrate, restore, bulk edits), or throws `Busy`.
    public static func acquire(folder: String, command: String) throws -> StateLock {
        try PrivateFiles.prepareFolder(folder)
        let path = lockPath(folder)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Busy(folder: folder, holder: "the lock file cannot be opened (\(String(cString: strerror(errno))))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.describeHolder(fd)
            close(fd)
            throw Busy(folder: folder, holder: holder)
        }
        let text = "\(command) (pid \(getpid()), since \(ISO8601DateFormatter().string(from: Date())))\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return StateLock(fd: fd, path: path)
    }

    /// Who holds the folder now (for read-only commands, which go on but say so), or nil when nobody does.
    public static func holder(folder: String) -> String? {
        let fd = open(lockPath(folder), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return describeHolder(fd)
    }

    private static func describeHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "a command that has not said what it is" : "`cstar-io \(text)`"
    }
}
