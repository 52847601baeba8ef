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
    /// How `POST /import` reports a record it cannot take. The spec does not say; `perRecord` (the default)
    /// answers 200 with `errors[]`; `wholeRequest` refuses the whole request with 400 and `param: records[i].field`,
    /// as a stricter server might, so clients can be rehearsed against both.
    public var importErrors: ImportErrorMode = .perRecord
    /// A rehearsal fault: every n-th imported record is acknowledged but not kept (0: never). Lets a client's
    /// read-back check be tested against a server that loses data.
    public var loseEveryNthImport = 0

    public enum ImportErrorMode: String, Sendable, CaseIterable { case perRecord = "per-record", wholeRequest = "whole-request" }

    public init() {}
}
