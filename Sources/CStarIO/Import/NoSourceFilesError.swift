import Foundation

/// An export folder in which no mapping finds a file: the wrong folder, or an export of another shape.
public struct NoSourceFilesError: Error, CustomStringConvertible, Sendable {
    public let directory: String
    public let found: [String]
    public let lookedFor: [String]

    init(directory: String, mappings: [EntityMapping]) {
        self.directory = directory
        found = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        // Per entity, its first few patterns: enough to recognise the layout expected.
        lookedFor = mappings.map { m in
            "\(m.entity): " + m.source.files.prefix(3).joined(separator: ", ") + (m.source.files.count > 3 ? ", …" : "")
        }
    }

    public var description: String {
        let shown = found.prefix(20).joined(separator: ", ") + (found.count > 20 ? ", … \(found.count - 20) more" : "")
        return """
            no file in '\(directory)' matches the mapping: nothing to read.
              found there: \(found.isEmpty ? "(nothing)" : shown)
              the mapping reads:
            \(lookedFor.map { "    " + $0 }.joined(separator: "\n"))
              check the folder (the export itself, not its parent), or the mapping set (--from / --mapping)
            """
    }
}
