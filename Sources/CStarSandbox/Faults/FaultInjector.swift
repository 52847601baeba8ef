import Foundation
import Synchronization

/// Shares of requests that fail on purpose, for rehearsals and tests. Decisions come from a seeded generator,
/// so the n-th request of a run gets the same fault for the same seed.
public struct FaultConfiguration: Sendable, Equatable {
    public var seed: UInt64 = 1
    /// Share of requests answered 500/503 without doing any work.
    public var serverErrorRate = 0.0
    /// Share of requests answered 429 without doing any work.
    public var rateLimitRate = 0.0
    /// Share of requests that are processed, after which the connection is closed without an answer.
    public var dropRate = 0.0
    /// Added latency: base plus a uniform jitter, in milliseconds.
    public var latencyMs = 0
    public var jitterMs = 0

    public init(seed: UInt64 = 1, serverErrorRate: Double = 0, rateLimitRate: Double = 0, dropRate: Double = 0, latencyMs: Int = 0, jitterMs: Int = 0) {
        self.seed = seed
        self.serverErrorRate = serverErrorRate
        self.rateLimitRate = rateLimitRate
        self.dropRate = dropRate
        self.latencyMs = latencyMs
        self.jitterMs = jitterMs
    }

    public var isActive: Bool { serverErrorRate > 0 || rateLimitRate > 0 || dropRate > 0 || latencyMs > 0 || jitterMs > 0 }
}

public enum Fault: Sendable, Equatable {
    case none
    case serverError(status: Int)
    case rateLimited
    case dropConnection
}

public struct FaultDecision: Sendable, Equatable {
    public let fault: Fault
    public let delayMs: Int
}

/// Draws the fault for each request in arrival order from a SplitMix64 stream.
public final class FaultInjector: Sendable {
    public let configuration: FaultConfiguration
    private let state: Mutex<UInt64>

    public init(_ configuration: FaultConfiguration) {
        self.configuration = configuration
        self.state = Mutex(configuration.seed)
    }

    public func next() -> FaultDecision {
        let c = configuration
        guard c.isActive else { return FaultDecision(fault: .none, delayMs: 0) }
        let (r1, r2, r3) = state.withLock { s -> (Double, Double, UInt64) in
            (Self.unit(&s), Self.unit(&s), Self.splitmix(&s))
        }
        let delay = c.latencyMs + (c.jitterMs > 0 ? Int(r3 % UInt64(c.jitterMs + 1)) : 0)
        var fault = Fault.none
        if r1 < c.serverErrorRate { fault = .serverError(status: r2 < 0.5 ? 500 : 503) }
        else if r1 < c.serverErrorRate + c.rateLimitRate { fault = .rateLimited }
        else if r1 < c.serverErrorRate + c.rateLimitRate + c.dropRate { fault = .dropConnection }
        return FaultDecision(fault: fault, delayMs: delay)
    }

    static func splitmix(_ s: inout UInt64) -> UInt64 {
        s &+= 0x9E3779B97F4A7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    static func unit(_ s: inout UInt64) -> Double { Double(splitmix(&s) >> 11) / Double(1 << 53) }
}
