/// Where a record came from: file, line of its first byte, its 1-based position in the stream of that file, and
/// (for records inside a JSON document) its JSON pointer, so records of a one-line API page are told apart.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var index: Int
    /// `/users/36` for the 37th element of a page's `users` array; nil for CSV rows and NDJSON lines.
    public var pointer: String?

    public init(file: String, line: Int, index: Int, pointer: String? = nil) {
        self.file = file
        self.line = line
        self.index = index
        self.pointer = pointer
    }

    public var description: String { pointer.map { "\(file):\(line) \($0)" } ?? "\(file):\(line)" }
}
