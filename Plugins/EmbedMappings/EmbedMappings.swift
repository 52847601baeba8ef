import Foundation
import PackagePlugin

/// Compiles the package's `Mappings/<set>/*.yaml|*.yml` into the target it is applied to (CStarIO), so the built
/// binary carries its mapping sets and needs nothing beside it.
///
/// One build command runs `EmbedMappingsTool`, which reads the folder itself and writes `EmbeddedMappingSets.swift`.
/// Its inputs are the folder, each set folder and each mapping file: editing a file changes the file, and adding,
/// removing or renaming one changes its folder, so either makes the command run again.
///
/// SwiftPM reuses its build plan (and so this plugin's list of inputs) until the package's structure changes, and
/// a file that was removed since is then a missing input that fails every build. `Mappings` beside this file is a
/// symbolic link to `../../Mappings`: SwiftPM watches the structure of every target's folder, this plugin's
/// included, and follows the link, so adding or removing a mapping file makes it plan again (run this plugin again).
@main
struct EmbedMappings: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let mappings = context.package.directoryURL.appending(path: "Mappings")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMappingSets.swift")
        var inputs = [mappings]
        let fm = FileManager.default
        for set in (try? fm.contentsOfDirectory(atPath: mappings.path)) ?? [] where !set.hasPrefix(".") {
            let folder = mappings.appending(path: set)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else { continue }
            inputs.append(folder)
            // The same files the tool embeds (and MappingSet.load reads): .yaml and .yml at the set's top level.
            for file in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                inputs.append(folder.appending(path: file))
            }
        }
        return [.buildCommand(
            displayName: "Embedding the mapping sets of Mappings/",
            executable: try context.tool(named: "EmbedMappingsTool").url,
            arguments: [mappings.path, output.path],
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
