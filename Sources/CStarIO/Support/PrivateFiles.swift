import Foundation

/// Files that hold customers' data (state folders, rejects, checkpoints, backups, exports) are the user's alone:
/// folders 0700, files 0600. The CLI sets a 077 umask so every file it creates starts private; state folders that
/// an older version made 0755 are tightened when used.
public enum PrivateFiles {
    /// Makes every file and folder this process creates from now on private to the user.
    public static func restrictNewFiles() {
        umask(0o077)
    }

    /// Creates `path` (and missing parents) as a private folder, or makes an existing one private.
    public static func prepareFolder(_ path: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return
        }
        if let mode = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            try? fm.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: path)
        }
    }

    /// Why a secret key file must not be used: readable by group or others (as ssh refuses such a private key).
    public static func keyFileProblem(_ path: String) -> String? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else { return nil }
        guard mode & 0o077 != 0 else { return nil }
        return "the API key file '\(path)' can be read by other users (mode \(String(mode & 0o777, radix: 8))); "
            + "make it private with: chmod 600 '\(path)'"
    }
}
