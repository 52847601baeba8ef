import Foundation

/// What a `--from` or `--mapping` argument names, decided from the argument alone before anything is read.
///
/// A name (no `/`) is a set: `$CSTAR_IO_MAPPINGS/<name>/` when that folder exists (people developing mappings
/// point the variable at their working copy), otherwise the built-in set of that name. A folder or file that
/// happens to have a set's name in the working directory (an export folder called `zendesk`) is not taken for the
/// set: give it as a path (`./zendesk`). A name that is no set but an existing folder or file there is that path,
/// as before. Anything with a `/` is a path.
public enum MappingSource: Sendable, Equatable, CustomStringConvertible {
    /// A set compiled into the binary.
    case builtIn(String)
    /// `$CSTAR_IO_MAPPINGS/<name>/`, which replaces the built-in set of that name (or adds one).
    case override(name: String, directory: String)
    /// A mapping folder given by its path.
    case directory(String)
    /// A single mapping file given by its path.
    case file(String)

    /// The environment variable that points at a folder of sets replacing the built-in ones.
    public static let overrideVariable = "CSTAR_IO_MAPPINGS"

    /// Decides what `argument` names. `currentDirectory` is where relative paths are looked up (tests pass one);
    /// a path is returned as it was given.
    public static func resolve(_ argument: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> MappingSource {
        guard !argument.isEmpty else { throw MappingSourceError("the mapping set name is empty.") }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (currentDirectory as NSString).appendingPathComponent(path)
        }
        func existing(_ path: String) -> MappingSource? {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute(path), isDirectory: &isDir) else { return nil }
            return isDir.boolValue ? .directory(path) : .file(path)
        }
        let isName = !argument.contains("/") && argument != "." && argument != ".."
        guard isName else {
            guard let found = existing(argument) else { throw MappingSourceError("no mapping folder or file at '\(argument)'.") }
            return found
        }
        if let root = environment[overrideVariable], !root.isEmpty {
            let folder = (absolute(root) as NSString).appendingPathComponent(argument)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue {
                return .override(name: argument, directory: folder)
            }
        }
        if BuiltInMappingSet.named(argument) != nil { return .builtIn(argument) }
        if let found = existing(argument) { return found }
        var message = "no mapping set '\(argument)': the built-in sets are \(BuiltInMappingSet.names.joined(separator: ", "))"
        if let root = environment[overrideVariable], !root.isEmpty { message += ", and $\(overrideVariable) (\(root)) has no folder '\(argument)'" }
        throw MappingSourceError(message + ". A mapping folder or file of your own is given by its path (./\(argument)).")
    }

    /// Loads and checks the mappings (a file alone is one entity).
    public func load() throws -> [EntityMapping] {
        switch self {
        case .builtIn(let name):
            guard let set = BuiltInMappingSet.named(name) else { throw MappingSourceError("no built-in mapping set '\(name)'.") }
            return try MappingSet.load(builtIn: set).entities
        case .override(_, let directory), .directory(let directory):
            return try MappingSet.load(directory: directory).entities
        case .file(let path):
            return [try EntityMapping.load(path: path)]
        }
    }

    public var description: String {
        switch self {
        case .builtIn(let name): "the built-in mapping set '\(name)'"
        case .override(let name, let directory): "the mapping set '\(name)' from $\(Self.overrideVariable): \(directory)"
        case .directory(let path): "the mapping folder \(path)"
        case .file(let path): "the mapping file \(path)"
        }
    }
}

/// A `--from`/`--mapping` argument that names no set, folder or file.
public struct MappingSourceError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
