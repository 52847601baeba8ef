import Foundation
import Testing

/// The layout rules of docs/design (../shared/design.md), checked on the sources themselves: folders of CStarIO do
/// not depend on each other in a cycle, every request path and status classification lives in Client/, and a file
/// over 400 lines says why.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct SourceFile {
        let folder: String
        let path: String
        let text: String
    }

    static func files(_ target: String) throws -> [SourceFile] {
        let base = root.appendingPathComponent("Sources/\(target)")
        guard let e = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var out: [SourceFile] = []
        for case let rel as String in e where rel.hasSuffix(".swift") {
            let folder = rel.contains("/") ? String(rel.split(separator: "/")[0]) : "."
            out.append(SourceFile(folder: folder, path: "Sources/\(target)/\(rel)", text: try String(contentsOf: base.appendingPathComponent(rel), encoding: .utf8)))
        }
        return out
    }

    /// The text without comments and string literals' contents (rough, enough for names).
    static func code(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            if let r = line.range(of: "//") { return line[..<r.lowerBound] }
            return line
        }.joined(separator: "\n")
    }

    static func words(_ text: String) -> Set<String> {
        var out = Set<String>()
        var current = ""
        for c in text.unicodeScalars {
            if CharacterSet.alphanumerics.contains(c) || c == "_" { current.unicodeScalars.append(c) } else {
                if let f = current.first, f.isUppercase { out.insert(current) }
                current = ""
            }
        }
        return out
    }

    @Test func folderDependenciesHaveNoCycle() throws {
        let files = try Self.files("CStarIO")
        #expect(files.count > 40)
        // Where each type is declared.
        var home: [String: String] = [:]
        let decl = try Regex(#"(?m)^(?:public |final |internal )*(?:struct|enum|class|protocol|actor|typealias) (\w+)"#)
        for f in files {
            for m in f.text.matches(of: decl) { if let name = m.output[1].substring, home[String(name)] == nil { home[String(name)] = f.folder } }
        }
        var edges: [String: [String: String]] = [:]
        for f in files {
            for w in Self.words(Self.code(f.text)) {
                guard let to = home[w], to != f.folder else { continue }
                edges[f.folder, default: [:]][to] = edges[f.folder]?[to] ?? "\(w) in \(f.path)"
            }
        }
        // Any cycle: a depth-first search that meets a folder on its own path.
        var cycles: [String] = []
        func visit(_ node: String, _ path: [String]) {
            for (next, why) in edges[node] ?? [:] {
                if let i = path.firstIndex(of: next) {
                    cycles.append((path[i...] + [next]).joined(separator: " → ") + " (last edge: \(why))")
                } else if path.count < 12 {
                    visit(next, path + [next])
                }
            }
        }
        for start in edges.keys.sorted() { visit(start, [start]) }
        #expect(cycles.isEmpty, "folders of CStarIO depend on each other in a cycle: \(cycles.prefix(3))")
        #expect(edges["Client"]?["Mapping"] == nil && edges["Records"]?["Mapping"] == nil && edges["Support"]?["Records"] == nil)
    }

    @Test func requestPathsAndStatusRulesLiveInClient() throws {
        let literalPath = try Regex(#"\.send\(\.[A-Z]+, *""#)
        let statusRule = try Regex(#"status *(==|!=|>=|<=|<|>) *[1-5][0-9][0-9]|\[ *4[0-9][0-9] *,|400 *\|\||(4|5)00\.\.<"#)
        var found: [String] = []
        for target in ["CStarIO", "cstar-io"] {
            for f in try Self.files(target) where f.folder != "Client" {
                let code = Self.code(f.text)
                if code.contains(literalPath) { found.append("\(f.path): a request with a literal path (use CStarAPI)") }
                if code.contains(statusRule) { found.append("\(f.path): an HTTP status rule (use CStarAPIError.kind)") }
            }
        }
        #expect(found.isEmpty, "\(found)")
    }

    @Test func longFilesSayWhy() throws {
        var long: [String] = []
        for target in ["CStarIO", "cstar-io", "CStarSandbox"] {
            for f in try Self.files(target) {
                let lines = f.text.split(separator: "\n", omittingEmptySubsequences: false).count
                if lines > 400 && !f.text.contains("over 400 lines") { long.append("\(f.path) (\(lines) lines)") }
            }
        }
        #expect(long.isEmpty, "files over 400 lines without a comment saying why: \(long)")
    }
}
