import CStarHash

/// What a run last put into cStar for one record, as digests: a short hash of each top-level payload field, and of
/// each child (a ticket's messages) in order. A delta run compares a record's new payload with it to tell new,
/// changed (which fields) and unchanged records, and which children cStar lacks, without keeping the payloads.
public struct RecordState: Sendable, Equatable {
    /// Field → 16 hex digits of the SHA-256 of its canonical JSON.
    public var fields: [String: String]
    /// The children's digests, in the order they were delivered.
    public var children: [String]

    public init(fields: [String: String], children: [String]) {
        self.fields = fields
        self.children = children
    }

    /// The state of a payload; `childField` (e.g. `messages`) is digested per child instead of as a field.
    public static func of(_ payload: JSONObject, childField: String?) -> RecordState {
        var fields: [String: String] = [:]
        var children: [String] = []
        for (k, v) in payload.pairs {
            if k == childField {
                children = (v.arrayValue ?? []).map(childDigest)
            } else {
                fields[k] = digest(v)
            }
        }
        return RecordState(fields: fields, children: children)
    }

    /// A child's identity: when it was written, by which side, and whether it is internal — not who the sender is
    /// called now (a renamed user) nor its text (a redacted comment), so neither makes a second copy. Children
    /// without a time are known by everything but the sender's name.
    static func childDigest(_ v: JSONValue) -> String {
        guard var o = v.objectValue else { return digest(v) }
        if let at = o["createdAt"], !at.isNull {
            return digest(.object(JSONObject([("createdAt", at), ("sender", o["sender"] ?? .null), ("isInternal", o["isInternal"] ?? .null)])))
        }
        o["senderName"] = nil
        return digest(.object(o))
    }

    static func digest(_ v: JSONValue) -> String {
        String(SHA256.hex(JSONSerializer.bytes(Canonical.sorted(v))).prefix(16))
    }

    /// Fields whose value differs from `old` (added, changed or removed), sorted.
    public func changedFields(since old: RecordState) -> [String] {
        Set(fields.keys).union(old.fields.keys).filter { fields[$0] != old.fields[$0] }.sorted()
    }

    /// Positions of the children `old` does not hold (by digest, so a child is never sent twice).
    public func newChildren(since old: RecordState) -> [Int] {
        var have: [String: Int] = [:]
        for d in old.children { have[d, default: 0] += 1 }
        var out: [Int] = []
        for (i, d) in children.enumerated() {
            if let n = have[d], n > 0 { have[d] = n - 1 } else { out.append(i) }
        }
        return out
    }

    /// Stored as one compact text: `field=digest` pairs, a blank line, the children's digests.
    public var encoded: String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n\n" + children.joined(separator: "\n")
    }

    public init?(encoded text: String) {
        let parts = text.components(separatedBy: "\n\n")
        guard parts.count == 2 else { return nil }
        var f: [String: String] = [:]
        for line in parts[0].split(separator: "\n") {
            guard let eq = line.lastIndex(of: "=") else { return nil }
            f[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        self.init(fields: f, children: parts[1].split(separator: "\n").map(String.init))
    }
}
