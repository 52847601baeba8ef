import ArgumentParser
import Logging

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout (for scripts).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print detailed logs (requests, retries, skipped records).")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other; pick one.") }
    }

    var logLevel: Logger.Level { verbose ? .debug : (quiet ? .error : .warning) }
}

/// Log lines go to stderr; the library never bootstraps logging itself.
enum Logging {
    static func makeLogger(_ output: OutputOptions) -> Logger {
        var logger = Logger(label: "cstar-io") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = output.logLevel
        return logger
    }
}
