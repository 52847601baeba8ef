import ArgumentParser
import Logging
import Synchronization

/// `--json`, `--quiet`, `--verbose`: the same three on every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the result, or the error, as one JSON object on stdout (for scripts; docs/cli-json.schema.json).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print detailed logs (requests, retries, skipped records); -vv adds the embedded sandbox's own logs.")
    var verbose: Int

    func validate() throws {
        if quiet && verbose > 0 { throw ValidationError("--quiet and --verbose exclude each other; pick one.") }
    }

    var isVerbose: Bool { verbose > 0 }
    /// Nothing but errors on stderr: --quiet, or --json (the object on stdout says it all).
    var silent: Bool { quiet || json }

    var logLevel: Logger.Level { verbose > 0 ? .debug : (quiet ? .error : .warning) }
}

/// Log lines go to stderr; the library never bootstraps logging itself.
enum Logging {
    private static let verbosity = Mutex(0)

    static func makeLogger(_ output: OutputOptions) -> Logger {
        verbosity.withLock { $0 = max($0, output.verbose) }
        var logger = Logger(label: "cstar-io") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = output.logLevel
        return logger
    }

    /// The embedded sandbox's own logs (connections, lifecycle) are noise to a CLI user: only with -vv.
    static var serverLogLevel: Logger.Level { verbosity.withLock { $0 } >= 2 ? .debug : .critical }
}
