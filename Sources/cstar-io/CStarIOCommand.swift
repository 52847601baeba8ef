import ArgumentParser
import CStarIO
import Foundation

@main
struct CStarIOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cstar-io",
        abstract: "Move customer-support data into and out of cStar.",
        discussion: """
            Streams helpdesk exports (Zendesk first) through declarative YAML mappings into cStar, and reads \
            cStar data back out. Without CSTAR_SECRET_KEY (or --api-key-file) and --api-url, commands run \
            against the embedded sandbox, a local cStar emulator whose data lives in .cstar-io/sandbox.sqlite.

            Exit codes: 0 ok, 1 failure, 2 usage error, 3 finished but some records were rejected (or ids failed, or export files holding records no mapping reads were left out), 4 finished but cStar does not hold what was delivered.
            """,
        version: CStarIOVersion.current,
        subcommands: [Migrate.self, Plan.self, Validate.self, Status.self, Read.self, Export.self, Backup.self, Restore.self, Bulk.self, Mappings.self,
                      ProfileCommand.self, Report.self, Sandbox.self])

    /// Runs the command and maps errors to the documented exit codes (ArgumentParser's own usage code is 64).
    /// With `--json`, whatever happens, stdout gets one JSON object with the exit code and its meaning (`JSONResult`).
    static func main() async {
        // Everything the tool writes (state, rejects, checkpoints, backups, exports) holds customers' data.
        PrivateFiles.restrictNewFiles()
        if JSONResult.requested(in: Array(CommandLine.arguments.dropFirst())) { JSONResult.enable() }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch let e as UsageError {
            Console.err("error: \(e.message)")
            finish(ExitCodes.usage)
        } catch let e as NoSourceFilesError {
            Console.err("error: \(e)")
            finish(ExitCodes.usage)
        } catch let e as ExitCode {
            finish(e.rawValue == 64 ? ExitCodes.usage : e.rawValue)
        } catch {
            let code = exitCode(for: error)
            // --help, --version, completion scripts: text, whatever else was asked.
            if code == .success { exit(withError: error) }
            if code.rawValue == 64 {
                JSONResult.recordError(message(for: error))
                Console.err(fullMessage(for: error))
                finish(ExitCodes.usage)
            }
            guard JSONResult.enabled else { exit(withError: error) }
            Console.err("error: \(message(for: error))")
            finish(code.rawValue)
        }
    }

    static func finish(_ code: Int32) -> Never {
        JSONResult.finish(exitCode: code)
        Foundation.exit(code)
    }
}

/// A mistake in how the command was called, found while running (a missing folder, a key without a URL…).
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
