/// Why a record did not make it into a batch. A rejected record becomes one of these; it never disappears.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var location: SourceLocation?
    public var entity: String
    public var field: String?
    public var code: String
    public var message: String

    public init(severity: Severity = .error, location: SourceLocation?, entity: String, field: String?, code: String, message: String) {
        self.severity = severity
        self.location = location
        self.entity = entity
        self.field = field
        self.code = code
        self.message = message
    }

    public var description: String {
        var s = location.map { "\($0): " } ?? ""
        s += "\(entity)"
        if let f = field { s += ".\(f)" }
        return s + ": \(message) [\(code)]"
    }
}

/// A problem in a mapping file, found before any record is read.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var key: String
    public var message: String

    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}

/// Several mapping problems, reported together.
public struct MappingErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [MappingError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
