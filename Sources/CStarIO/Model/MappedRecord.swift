/// A record ready for cStar: the payload it receives, and the source key that identifies it.
public struct MappedRecord: Sendable {
    public var entity: String
    public var sourceKey: String
    public var payload: JSONObject
    public var location: SourceLocation
}

/// What became of a mapped record's children (a ticket's comments): every child read is in the payload,
/// rejected (in `problems`) or skipped (a duplicate of one already there).
public struct ChildTally: Sendable {
    public var read = 0
    public var skipped = 0
    public var problems: [Diagnostic] = []
    /// Children in the payload, per child field (for records cStar later refuses).
    public var delivered = 0
    public init() {}
}
