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
        subcommands: [Migrate.self, Plan.self, Validate.self, Status.self, Read.self, Export.self, Backup.self, Restore.self, Bulk.self, Mappings.self, Sandbox.self])

    /// Runs the command and maps errors to the documented exit codes (ArgumentParser's own usage code is 64).
    static func main() async {
        // Everything the tool writes (state, rejects, checkpoints, backups, exports) holds customers' data.
        PrivateFiles.restrictNewFiles()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let e as UsageError {
            Console.err("error: \(e.message)")
            Foundation.exit(ExitCodes.usage)
        } catch let e as NoSourceFilesError {
            Console.err("error: \(e)")
            Foundation.exit(ExitCodes.usage)
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                Console.err(fullMessage(for: error))
                Foundation.exit(ExitCodes.usage)
            }
            exit(withError: error)
        }
    }
}

/// A mistake in how the command was called, found while running (a missing folder, a key without a URL…).
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
