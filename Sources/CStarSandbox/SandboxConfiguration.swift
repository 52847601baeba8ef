import Foundation

/// Everything a sandbox instance can be told at start: limits, faults and how many teams to seed.
public struct SandboxConfiguration: Sendable {
    public var rateLimitWindowSeconds = 3600
    public var secretKeyLimit = 1000
    public var publishableKeyLimit = 100
    public var faults = FaultConfiguration()
    public var teams = 1
    /// Largest request body accepted (bytes).
    public var maxBodyBytes = 64 * 1024 * 1024

    public init() {}
}
