import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct ProfileCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "profile",
            abstract: "Save cStar targets (URL, team, key file) under a name, for --profile NAME or CSTAR_PROFILE.",
            discussion: """
                Profiles live in $XDG_CONFIG_HOME/cstar-io/profiles.json (else ~/.config/cstar-io/profiles.json), a \
                file only you can read (0600). A profile names the key file by its path; the key itself is never \
                copied into the profiles file, and the key file must be private (chmod 600) to be accepted.

                Precedence, field by field: command-line options (--api-url, --api-key-file, --team-id), then the \
                environment (CSTAR_API_URL, CSTAR_SECRET_KEY, CSTAR_TEAM_ID), then the profile.

                Examples:
                  cstar-io profile add acme --url https://www.cstar.help --team team_acme --key-file ~/.keys/acme.key
                  cstar-io profile list
                  cstar-io migrate ./export --from zendesk --profile acme
                  CSTAR_PROFILE=acme cstar-io status
                  cstar-io profile remove acme
                """,
            subcommands: [Add.self, List.self, Remove.self])
    }
}

extension CStarIOCommand.ProfileCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a profile (or replace one with --force).",
            discussion: """
                Examples:
                  cstar-io profile add acme --url https://www.cstar.help --team team_acme --key-file ~/.keys/acme.key
                  cstar-io profile add staging --url https://staging.example/api/v1/teams/team_1 --key-file ./staging.key --force
                """)

        @Argument(help: ArgumentHelp("The profile's name (letters, digits, - _ .).", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("cStar API URL: an origin or a team-scoped base.", valueName: "url"))
        var url: String

        @Option(help: ArgumentHelp("cStar team id (discovered from the key when omitted).", valueName: "id"))
        var team: String?

        @Option(help: ArgumentHelp("The file holding the secret key (referenced by its path, never copied).", valueName: "path"), completion: .file())
        var keyFile: String?

        @Flag(help: "Replace a profile of the same name.")
        var force = false

        @OptionGroup var output: OutputOptions

        func run() async throws {
            do { try CStarTarget.checkTransport(url) } catch { throw UsageError("--url: \(error)") }
            let store = ProfileStore()
            let saved: Profile
            do { saved = try store.add(Profile(name: name, url: url, team: team, keyFile: keyFile), replace: force) } catch let e as ProfileError {
                throw UsageError(e.description)
            }
            Console.result(JSONObject([("profile", saved.json), ("file", .string(store.path))]),
                           text: output.quiet ? nil : "Saved profile '\(saved.name)' in \(store.path)\(saved.keyFile.map { " (key file: \($0))" } ?? " (no key file: set CSTAR_SECRET_KEY)")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the profiles.",
            discussion: """
                Examples:
                  cstar-io profile list
                  cstar-io profile list --json | jq '.profiles[].name'
                """)

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let store = ProfileStore()
            let profiles: [Profile]
            do { profiles = try store.all() } catch let e as ProfileError { throw UsageError(e.description) }
            let chosen = ProcessInfo.processInfo.environment[ProfileStore.variable]
            let text = profiles.isEmpty ? "No profiles yet (\(store.path)); add one with: cstar-io profile add NAME --url URL --key-file PATH"
                : TextTable.render(header: ["", "name", "url", "team", "key file"],
                                   rows: profiles.map { [$0.name == chosen ? "*" : "", $0.name, $0.url, $0.team ?? "(from the key)", $0.keyFile ?? "(CSTAR_SECRET_KEY)"] })
            Console.result(JSONObject([("profiles", .array(profiles.map(\.json))), ("file", .string(store.path)),
                                       ("active", chosen.map { .string($0) } ?? .null)]), text: text)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a profile (its key file is left alone).",
            discussion: """
                Examples:
                  cstar-io profile remove acme
                """)

        @Argument(help: ArgumentHelp("The profile's name.", valueName: "name"), completion: Completions.profiles)
        var name: String

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let store = ProfileStore()
            do { try store.remove(name) } catch let e as ProfileError { throw UsageError(e.description) }
            Console.result(JSONObject([("removed", .string(name)), ("file", .string(store.path))]),
                           text: output.quiet ? nil : "Removed profile '\(name)'.")
        }
    }
}
