// Writes the Swift source that holds the package's mapping sets (run by the EmbedMappings build plugin).
//
//     EmbedMappingsTool <Mappings folder> <output .swift file>
//
// Every folder of the Mappings folder is a set; its .yaml and .yml files (not those of sub-folders, as
// MappingSet.load reads them) are embedded with their exact text. Sets and files are sorted by name so that the
// output depends only on the files.
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: EmbedMappingsTool: \(message)\n".utf8))
    exit(1)
}

/// A Swift string literal of exactly `text`: quotes, backslashes and control characters are escaped, so no file
/// content can end the literal or be read as an interpolation.
func literal(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: EmbedMappingsTool <Mappings folder> <output .swift file>") }
let root = arguments[1], output = arguments[2]
let fm = FileManager.default

func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return fm.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}

var source = """
    // Generated at build time by the EmbedMappings plugin (Sources/EmbedMappingsTool) from the package's Mappings/
    // folder. Do not edit: edit the YAML files, and the next build writes this again.

    extension BuiltInMappingSet {
        /// The sets of Mappings/ as they were when this binary was built, sets and files sorted by name.
        static let embedded: [BuiltInMappingSet] = [

    """
let sets = ((try? fm.contentsOfDirectory(atPath: root)) ?? [])
    .filter { !$0.hasPrefix(".") && isDirectory((root as NSString).appendingPathComponent($0)) }.sorted()
for set in sets {
    let folder = (root as NSString).appendingPathComponent(set)
    let names: [String]
    do { names = try fm.contentsOfDirectory(atPath: folder) } catch { fail("cannot list \(folder): \(error.localizedDescription)") }
    source += "        BuiltInMappingSet(name: \(literal(set)), files: [\n"
    for name in names.filter({ $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }).sorted() {
        let path = (folder as NSString).appendingPathComponent(name)
        guard let data = fm.contents(atPath: path) else { fail("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { fail("\(path) is not UTF-8 text") }
        source += "            MappingFile(name: \(literal(name)), text: \(literal(text))),\n"
    }
    source += "        ]),\n"
}
source += "    ]\n}\n"

// Written only when it changed, so that a build that runs this without a change does not recompile CStarIO.
if fm.contents(atPath: output) != Data(source.utf8) {
    do { try source.write(toFile: output, atomically: true, encoding: .utf8) } catch { fail("cannot write \(output): \(error.localizedDescription)") }
}
