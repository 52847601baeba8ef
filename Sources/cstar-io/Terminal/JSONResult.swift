import CStarIO
import Foundation
import Synchronization

/// `--json` as every command speaks it: exactly one JSON object on stdout, written when the process ends, holding
/// the command's result (if it got that far), `exitCode`, `outcome` (the exit code's meaning) and, for a failure or
/// a usage error, `error` (what went wrong, the same words stderr shows). docs/cli-json.schema.json describes it.
enum JSONResult {
    private struct State {
        var enabled = false
        var result = JSONObject()
        var errors: [String] = []
        /// The command already wrote the opening of the object (`read --json` streams its records).
        var streamed = false
        var written = false
    }
    private static let state = Mutex(State())

    /// True when `--json` is among the arguments (before a `--`): decided before parsing, so that a parse error
    /// is answered in JSON too.
    static func requested(in arguments: [String]) -> Bool {
        for a in arguments {
            if a == "--" { return false }
            if a == "--json" { return true }
        }
        return false
    }

    static func enable() { state.withLock { $0.enabled = true } }
    static var enabled: Bool { state.withLock { $0.enabled } }

    /// The command's result; its fields go into the one object written at the end.
    static func emit(_ result: JSONObject) {
        state.withLock { st in for (k, v) in result.pairs { st.result[k] = v } }
    }

    /// A line `Console.err` printed as an error: the JSON object carries it too.
    static func recordError(_ message: String) {
        state.withLock { st in
            guard st.enabled, st.errors.count < 50 else { return }
            st.errors.append(APIKey.redact(message))
        }
    }

    /// `read --json` has written `{"<key>":[` and its records itself; the end closes the array and adds the rest.
    static func markStreamed() { state.withLock { $0.streamed = true } }

    static func meaning(_ code: Int32) -> String {
        switch code {
        case 0: return "ok"
        case ExitCodes.usage: return "usageError"
        case ExitCodes.finishedWithRejects: return "finishedWithRejects"
        case ExitCodes.mismatch: return "mismatch"
        default: return "failed"
        }
    }

    /// Writes the object (once). A failure without an error line of its own still says what its code means.
    static func finish(exitCode: Int32) {
        let text: String? = state.withLock { st in
            guard st.enabled, !st.written else { return nil }
            st.written = true
            var o = st.result
            o["exitCode"] = .int(Int64(exitCode))
            o["outcome"] = .string(meaning(exitCode))
            if !st.errors.isEmpty { o["errors"] = .array(st.errors.map { .string($0) }) }
            if exitCode == 1 || exitCode == 2 {
                let message = st.errors.first ?? (exitCode == 2 ? "the command was called wrongly (see stderr)" : "the command failed (see stderr)")
                o["error"] = .object(JSONObject([("message", .string(message)), ("kind", .string(meaning(exitCode)))]))
            }
            let whole = JSONSerializer.string(.object(o))
            guard st.streamed else { return whole }
            // `{"records":[…` is out already: close the array and append the other fields.
            return "]," + whole.dropFirst()
        }
        if let text { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    }
}
