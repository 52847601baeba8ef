import CStarIO
import Foundation

/// Where the CLI talks to people: results to stdout, everything else (progress, notes, errors) to stderr.
enum Console {
    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }

    /// A line starting with `error: ` is also what `--json`'s object reports as the error.
    static func err(_ s: String) {
        if s.hasPrefix("error: ") { JSONResult.recordError(String(s.dropFirst(7))) }
        FileHandle.standardError.write(Data((APIKey.redact(s) + "\n").utf8))
    }

    /// A result: JSON goes into the one object `--json` writes at the end; text straight to stdout.
    static func result(_ json: @autoclosure () -> JSONObject, text: @autoclosure () -> String?) {
        if JSONResult.enabled { JSONResult.emit(json()) } else if let t = text() { out(t) }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Exit codes shared by every command.
enum ExitCodes {
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let finishedWithRejects: Int32 = 3
    /// Finished, but reading back shows cStar does not hold what the run delivered.
    static let mismatch: Int32 = 4
}
