import ArgumentParser
import CStarIO
import CStarSandbox
import Foundation

extension CStarIOCommand {
    struct Sandbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the local cStar emulator for other programs and rehearsals.",
            discussion: """
                The sandbox speaks the cStar REST API (same envelopes, errors, limits, rate limits and idempotency) \
                on loopback. It prints its base URL, team id and test keys, then serves until interrupted (Ctrl-C).

                Examples:
                  cstar-io sandbox --port 8787
                  cstar-io sandbox --data /tmp/rehearsal.sqlite --server-error-rate 0.1 --drop-rate 0.05 --fault-seed 7
                  cstar-io sandbox --rate-limit 50 --rate-window 60 --teams 2 --json
                """)

        @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
        var port: Int = 0

        @Option(help: ArgumentHelp("SQLite file holding the sandbox's data (created when missing).", valueName: "file"))
        var data: String = ".cstar-io/sandbox.sqlite"

        @Option(help: "Requests per window for secret keys.")
        var rateLimit: Int = 1000

        @Option(help: "Requests per window for publishable keys.")
        var publishableRateLimit: Int = 100

        @Option(help: "Rate-limit window in seconds.")
        var rateWindow: Int = 3600

        @Option(help: "Teams to create (each gets its own keys).")
        var teams: Int = 1

        @Option(help: "Share of requests answered 500/503 (0–1).")
        var serverErrorRate: Double = 0

        @Option(help: "Share of requests answered 429 (0–1).")
        var rateLimitErrorRate: Double = 0

        @Option(help: "Share of requests processed and then dropped without an answer (0–1).")
        var dropRate: Double = 0

        @Option(help: "Added latency in milliseconds.")
        var latency: Int = 0

        @Option(help: "Random extra latency up to this many milliseconds.")
        var jitter: Int = 0

        @Option(help: "Seed of the fault generator (same seed, same faults).")
        var faultSeed: UInt64 = 1

        @Option(help: ArgumentHelp("Largest request body accepted, in bytes (larger → 413).", valueName: "bytes"))
        var maxBodyBytes: Int = 64 * 1024 * 1024

        @Option(help: ArgumentHelp("How POST /import reports a bad record: per-record (200 with errors[]) or whole-request (400 naming records[i]).",
                                   valueName: "mode"))
        var importErrors: String = "per-record"

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
            for (name, v) in [("--server-error-rate", serverErrorRate), ("--rate-limit-error-rate", rateLimitErrorRate), ("--drop-rate", dropRate)] {
                guard (0...1).contains(v) else { throw ValidationError("\(name) must be from 0 to 1.") }
            }
            guard serverErrorRate + rateLimitErrorRate + dropRate <= 1 else { throw ValidationError("the fault rates add up to more than 1.") }
            guard SandboxConfiguration.ImportErrorMode(rawValue: importErrors) != nil else {
                throw ValidationError("--import-errors must be per-record or whole-request.")
            }
            guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024.") }
            guard rateLimit > 0, publishableRateLimit > 0, rateWindow > 0, teams > 0 else {
                throw ValidationError("--rate-limit, --publishable-rate-limit, --rate-window and --teams must be positive.")
            }
        }

        func run() async throws {
            var config = SandboxConfiguration()
            config.secretKeyLimit = rateLimit
            config.publishableKeyLimit = publishableRateLimit
            config.rateLimitWindowSeconds = rateWindow
            config.teams = teams
            config.maxBodyBytes = maxBodyBytes
            config.importErrors = SandboxConfiguration.ImportErrorMode(rawValue: importErrors)!
            config.faults = FaultConfiguration(seed: faultSeed, serverErrorRate: serverErrorRate, rateLimitRate: rateLimitErrorRate,
                                               dropRate: dropRate, latencyMs: latency, jitterMs: jitter)
            let dir = (data as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let server = try await SandboxServer.start(dataPath: data, port: port, configuration: config)
            if json {
                let teams: [JSONValue] = server.teams.map { t in
                    .object(JSONObject([("teamId", .string(t.id)), ("baseURL", .string(server.baseURL(for: t))),
                                        ("secretKey", .string(t.secretKey)), ("publishableKey", .string(t.publishableKey))]))
                }
                JSONResult.emit(JSONObject([("origin", .string(server.origin)), ("dataFile", .string(data)), ("teams", .array(teams))]))
                // The server runs until stopped: the object is written now, so that a script can read it and go on.
                JSONResult.finish(exitCode: 0)
            } else if !out.quiet {
                Console.out("cStar sandbox listening on \(server.origin)  (data: \(data))")
                for t in server.teams {
                    Console.out("""

                        team:            \(t.name) (\(t.id))
                        base URL:        \(server.baseURL(for: t))
                        secret key:      \(t.secretKey)
                        publishable key: \(t.publishableKey)
                        """)
                }
                Console.out("\nTry: CSTAR_SECRET_KEY=\(server.team.secretKey) cstar-io export customers --api-url \(server.baseURL(for: server.team)) --format json --output -")
                Console.out("Press Ctrl-C to stop.")
            }
            // Serve until SIGINT/SIGTERM.
            let signals = AsyncStream<Int32> { continuation in
                for sig in [SIGINT, SIGTERM] {
                    signal(sig, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
                    source.setEventHandler { continuation.yield(sig) }
                    source.resume()
                    SignalSources.keep(source)
                }
            }
            for await _ in signals { break }
            await server.stop()
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    static func keep(_ s: any DispatchSourceSignal) { sources.append(s) }
}
