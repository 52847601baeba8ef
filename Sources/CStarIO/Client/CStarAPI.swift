import Foundation

/// Every path, limit and behaviour of the cStar API the tool relies on, in one place. Entries marked
/// ASSUMPTION are not documented in the stored API pages; docs/api-assumptions.md lists them.
public enum CStarAPI {
    public static let defaultOrigin = "https://www.cstar.help"
    public static let whoamiPath = "/api/v1/auth/whoami"
    public static let teamsPrefix = "/api/v1/teams/"
    public static func teamBase(origin: String, teamId: String) -> String { "\(origin)\(teamsPrefix)\(teamId)" }
    /// The team id of a team base URL (`…/api/v1/teams/{id}`), or nil.
    public static func teamId(baseURL url: String) -> String? {
        guard let r = url.range(of: teamsPrefix) else { return nil }
        let id = url[r.upperBound...].split(separator: "/").first.map(String.init)
        return id?.isEmpty == false ? id : nil
    }

    public static let importPath = "/import"
    public static let exportPath = "/export"
    public static let bulkPath = "/bulk"

    public static let maxImportRecords = 500
    public static let maxBulkIds = 100
    public static let maxPageSize = 100
    public static let maxExportRows = 10_000
    /// ASSUMPTION: the request body limit is not documented (the dashboard importer takes 50 MB files). The client
    /// keeps every request under 8 MB, and answers a 413 by splitting the batch; a single ticket over the limit
    /// travels with as much of its thread as fits and the rest of its messages follow one by one.
    public static let maxRequestBytes = 8 * 1024 * 1024

    /// ASSUMPTION: `update` is accepted besides the documented `skip`.
    public enum MergeStrategy: String, Sendable { case skip, update }

    /// List path of a resource.
    public static func listPath(_ resource: TargetResource) -> String { "/\(resource.rawValue)" }

    /// ASSUMPTION: membership of customer groups lives under the group.
    public static func groupMembersPath(groupId: String) -> String { "/customer-groups/\(groupId)/members" }

    // MARK: Export, backup and restore

    /// Resources `POST /export` serves (spec §3); everything else is read through its list endpoint.
    public static let exportTypes: [TargetResource] = [.tickets, .customers, .articles]

    /// ASSUMPTION: export filters besides the documented `status` (sandbox and docs/api-assumptions.md agree).
    public static let exportFilters: Set<String> = ["status", "priority", "customerId", "assignedTo", "category"]

    /// ASSUMPTION: the createdAt range of an export. `createdAfter` is inclusive (so the next window starts *at*
    /// the last createdAt seen and the rows of that instant come again, to be de-duplicated by id);
    /// `createdBefore` is exclusive.
    public static let exportCreatedAfter = "createdAfter"
    public static let exportCreatedBefore = "createdBefore"

    /// ASSUMPTION: `include: ["messages"]` on a tickets export inlines each ticket's thread as `messages`.
    public static let exportIncludeMessages = "messages"

    public static let tagsPath = "/tags"
    public static let customFieldsPath = "/custom-fields"
    public static let membersPath = "/members"
    public static let settingsPath = "/settings"
    /// Settings sub-resources read by backups (GET documented; writes are an ASSUMPTION, see CStarSink).
    public static let settingsSections = ["statuses", "business-hours", "widget"]
    public static func settingsPath(section: String) -> String { "/settings/\(section)" }

    public static let secretKeyPrefixes = ["sk_live_", "sk_test_"]
    public static let keyPrefixes = ["sk_live_", "sk_test_", "pk_live_", "pk_test_"]

    // MARK: Bulk edits (`cstar-io bulk`)

    /// Resources `POST /bulk` accepts.
    public static let bulkResources: [TargetResource] = [.tickets, .customers, .articles]

    /// One record: `GET/PATCH/DELETE /<resource>/{id}`.
    public static func itemPath(_ resource: TargetResource, id: String) -> String {
        "/\(resource.rawValue)/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id)"
    }

    /// A ticket's thread (plain array). Used to keep the messages of tickets a bulk delete removes.
    public static func ticketMessagesPath(ticketId: String) -> String { itemPath(.tickets, id: ticketId) + "/messages" }

    /// Query filters each list endpoint documents (besides `page`, `pageSize`). Tickets document no `tag`
    /// filter, so `--where tag=…` on tickets is applied by the client to the listed records.
    public static let listFilters: [TargetResource: Set<String>] = [
        .customers: ["status", "sentiment", "search", "tag"],
        .tickets: ["status", "priority", "assignedTo", "customerId", "search"],
        .articles: ["status", "category", "isPublic", "search", "tag"],
    ]

    /// The record field a list filter tests, when the client can check it itself (`tag` tests the `tags` array).
    /// Filters not listed here (search, id and category filters, whose matching rules the spec leaves open) are
    /// trusted to the server.
    public static let clientCheckableFilters: [String: String] = [
        "status": "status", "priority": "priority", "sentiment": "sentiment", "isPublic": "isPublic", "tag": "tags",
    ]

    /// Documented: "setting a `metadata` key to null removes it" — PATCH merges these objects key by key, so
    /// restoring one sends the old keys plus null for keys the edit added.
    public static let mergePatchFields: Set<String> = ["metadata"]

    /// Fields the server computes; dropped when a deleted record is re-created through `/import`.
    /// ASSUMPTION: `createdAt`/`updatedAt` are accepted by `/import` (kept), as are inline ticket `messages`.
    public static let serverComputedFields: Set<String> = [
        "id", "object", "ticketCount", "messageCount", "customerCount", "viewCount", "useCount", "readTime", "publishedAt",
        "customer", "responseDeadline", "resolutionDeadline", "firstResponseAt", "responseTier", "resolutionTier", "slaPaused",
    ]

    /// Fields of a message that `/import` takes inline with its ticket (ASSUMPTION, see docs/api-assumptions.md).
    public static let importMessageFields = ["content", "sender", "senderName", "isInternal", "createdAt"]

    /// ASSUMPTION: items of `bulk_result.errors[]` are `{id, code, message, param}`; `id` names the failed id.
    public static let bulkErrorIdField = "id"
}
