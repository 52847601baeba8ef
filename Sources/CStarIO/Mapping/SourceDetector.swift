import Foundation

/// Which helpdesk an export folder came from (`--from auto`), by its files and the shape of their records: for
/// every built-in set, each entity whose files are there is tried on its first record, and counts when the record
/// has the entity's key and most of the top-level fields its rules read. The set with clearly the best evidence
/// wins; two sets with evidence on different files (a mixed folder), or a near tie on the same files, are refused
/// with the candidates, as is a folder no set recognises.
public enum SourceDetector {
    /// One entity of a set that recognised its files.
    public struct Evidence: Sendable, Equatable, CustomStringConvertible {
        public var entity: String
        public var file: String
        /// Share of the top-level fields the entity's rules read that the first record holds.
        public var fit: Double
        public var description: String { "\(entity) in \((file as NSString).lastPathComponent)" }
    }

    public struct Candidate: Sendable, Equatable {
        public var set: String
        public var evidence: [Evidence]
        public var score: Double { evidence.reduce(0) { $0 + $1.fit } }
        var files: Set<String> { Set(evidence.map(\.file)) }
    }

    public enum Outcome: Sendable, Equatable {
        case recognised(Candidate)
        /// No set, or several: the candidates (best first) and why no choice was made.
        case unsure([Candidate], reason: String)
    }

    /// The fit a record needs for its entity to count.
    static let minimumFit = 0.6

    public static func detect(exportDirectory: String, sets: [(name: String, entities: [EntityMapping])]) -> Outcome {
        var candidates: [Candidate] = []
        var weak: [Candidate] = []
        for (name, entities) in sets {
            var evidence: [Evidence] = []
            var faint: [Evidence] = []
            for m in entities {
                let files = SourceFiles.ownMatches(m.source, in: exportDirectory).map(\.path)
                guard let file = files.first, let record = firstRecord(file, records: m.source.records) else { continue }
                let f = fit(m, record)
                if f >= minimumFit { evidence.append(Evidence(entity: m.entity, file: file, fit: f)) } else if f > 0 { faint.append(Evidence(entity: m.entity, file: file, fit: f)) }
            }
            if !evidence.isEmpty { candidates.append(Candidate(set: name, evidence: evidence)) }
            if !faint.isEmpty { weak.append(Candidate(set: name, evidence: faint)) }
        }
        candidates.sort { $0.score > $1.score }
        guard let best = candidates.first else {
            // Records trimmed to a few fields (a script's own dump): the file names and keys still tell, when only
            // one set finds its files.
            weak.sort { $0.score > $1.score }
            if let first = weak.first, weak.count == 1 || first.score >= 2 * weak[1].score { return .recognised(first) }
            return .unsure(weak, reason: weak.isEmpty ? "no built-in mapping set recognises the files of this folder"
                                                      : "the records have too few of any set's fields to tell")
        }
        for other in candidates.dropFirst() {
            // Evidence of another helpdesk in other files counts when it is substantial: a look-alike single file
            // (a Zendesk `ticket-1.json` that a Freshdesk pattern also matches) does not make a folder mixed.
            if other.files.isDisjoint(with: best.files), other.score >= best.score * 0.3 {
                return .unsure(candidates, reason: "the folder holds files of more than one helpdesk")
            }
            if other.score > best.score * 0.85 {
                return .unsure(candidates, reason: "the same files fit more than one mapping set")
            }
        }
        return .recognised(best)
    }

    /// The first record of a file (nil when it has none, or cannot be read).
    static func firstRecord(_ path: String, records: String?) -> Record? {
        guard var reader = try? SourceFiles.reader(for: path, options: ReaderOptions(records: records)) else { return nil }
        for _ in 0..<50 {
            guard let item = try? reader.next() else { return nil }
            if case .record(let r) = item { return r }
        }
        return nil
    }

    /// Share of the entity's read fields (key included; constants and optional rules left out) the record has.
    static func fit(_ m: EntityMapping, _ record: Record) -> Double {
        guard record.value(at: m.key) != nil else { return 0 }
        var wanted = Set<String>()
        for rule in m.fields where rule.constant == nil && !rule.optional && !rule.sources.isEmpty {
            wanted.insert(rule.sources.map(FieldRule.head).joined(separator: "|"))
        }
        guard !wanted.isEmpty else { return 1 }
        let present = wanted.filter { alternatives in
            alternatives.split(separator: "|").contains { record.value(at: String($0)) != nil }
        }
        return Double(present.count) / Double(wanted.count)
    }
}
