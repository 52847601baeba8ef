import Foundation
import Yams

/// A record-level filter: the record is skipped unless every condition holds.
public struct Condition: Sendable {
    public enum Test: Sendable {
        case equals(JSONValue), notEquals(JSONValue), isIn([JSONValue]), notIn([JSONValue]), exists(Bool)
    }
    public var field: String
    public var test: Test
    public var line: Int
    /// What the summary says of records this condition skips (default: the condition itself).
    public var reason: String?
    /// Test a field of another source record found by this field's value (`user_id` → the user's `role`).
    public var lookup: (index: String, field: String)?
}

/// Skip records whose payload `field` was already seen in this run (optionally ignoring case).
public struct Dedupe: Sendable {
    public var field: String
    public var caseInsensitive: Bool
}

/// What a lookup does when the referenced record is not there.
public enum MissingPolicy: String, Sendable, CaseIterable {
    /// The field is left empty (a `default` may fill it).
    case null
    /// The source value is kept as it is.
    case keep
    /// The whole record is rejected with the reason.
    case reject
}

/// One value transformation step.
public enum Transform: Sendable {
    case trim, lower, upper, string, number, boolean, not
    case nullIfEmpty
    case truncate(Int)
    case split(String)
    case join(String)
    /// Enum map; `fallback` is used for unmapped values, or the record is rejected when `reject` is set.
    case map([String: JSONValue], fallback: JSONValue?, reject: Bool)
    case date(DateParsing.Format)
    case htmlToText
    case htmlToMarkdown
    /// `{{path}}` placeholders filled from the source record; `{{value}}` is the value so far.
    case template(String)
    /// A field of another source record, found by key in a declared index (`users` by `id` → `email`).
    case lookup(index: String, field: String, onMissing: MissingPolicy)
    /// The cStar id of the record another entity mapped from this source key (resolved through the ID map).
    case ref(entity: String, onMissing: MissingPolicy)
    /// The cStar member (agent) with this email.
    case member(onMissing: MissingPolicy)
    /// Zendesk schedule intervals (minutes from Sunday 00:00) → a weekly schedule by day name.
    case zendeskIntervals
    /// Lower-case letters, digits and underscores (`Reason for contact` → `reason_for_contact`), for keys.
    case slug
    /// Adds the rendered template to the list (skipped when it renders empty).
    case append(String)
    /// Adds the text another field's value maps to (`ticket-type-id` 2 → `type:incident`); nothing when unmapped.
    case appendMapped(from: String, map: [String: String])
    /// Custom field values (`[{id, value}]` or `{key: value}`) → `{cStarKey: value}` through their definitions.
    case fieldValues(FieldValuesSpec)
    /// Appends one rendered line per element of a list field (attachments as links), under a header; the
    /// elements are counted in the summary under `note`.
    case appendList(from: String, item: String, header: String?, note: String?)
    /// When the value is empty, the first non-empty of these source fields.
    case coalesce([String])
    /// Counts occurrences of `substring` in the value into the summary under `note`; the value is unchanged.
    case count(substring: String, note: String)

    static let names = ["trim", "lower", "upper", "string", "number", "boolean", "not", "nullIfEmpty", "truncate", "split", "join",
                        "map", "date", "htmlToText", "htmlToMarkdown", "template", "lookup", "ref", "member", "zendeskIntervals", "slug", "append",
                        "fieldValues", "appendList", "coalesce", "count"]
}

/// How one payload field is produced.
public struct FieldRule: Sendable {
    /// Dot path in the payload (`email`, `metadata.zendeskUserId`).
    public var target: String
    /// Source field paths; the first one with a non-empty value is used.
    public var sources: [String]
    /// Instead of `from`: every column (or top-level field) whose name matches this pattern, gathered into an object
    /// keyed by the pattern's `{key}` capture in snake_case.
    public var columns: SourceFiles.ComponentPattern?
    public var constant: JSONValue?
    public var defaultValue: JSONValue?
    public var required: Bool
    public var transforms: [Transform]
    public var line: Int
    /// When the value ends up empty, counted in the summary under this text (what cStar does instead).
    public var noteIfEmpty: String?
    /// When the source had a value but the rule ends up empty (a reference or lookup that found nothing), counted
    /// in the summary under this text.
    public var noteIfLost: String?
    /// The source field may be missing from an export altogether (newer Zendesk fields): `plan` and `validate`
    /// do not call it a mistake.
    public var optional = false
}

/// How `fieldValues` reads custom field values through their definitions (Zendesk `ticket_fields`).
extension FieldRule {
    /// The top-level field a source path starts with (`via.channel` → `via`, `tags[0]` → `tags`).
    static func head(_ path: String) -> String {
        String(path.prefix { $0 != "." && $0 != "[" })
    }
}

public struct FieldValuesSpec: Sendable {
    /// The index of definitions, keyed by field id (or by key, for `{key: value}` values). Without one (an export with
    /// no field definitions), every value is kept as it is under its own id, as `keepUndefined` does.
    public var index: String?
    /// Definition fields naming the cStar key, first non-empty (slugged: `Reason for contact` → `reason_for_contact`).
    public var key: [String]
    /// Definition field with the type (`tagger`, `multiselect`, `checkbox`, `date`, `integer`, `decimal`, ...).
    public var type: String?
    /// Definition field with the options (`[{name, value}]`): a stored value becomes its option's name.
    public var options: String?
    /// In `[{id, value}]` lists: the element fields holding the definition id and the value.
    public var idField = "id"
    public var valueField = "value"
    /// A value whose field has no definition is kept as it is, under its own key (for `{key: value}` objects whose
    /// definitions an export may lack), instead of being counted as not migrated.
    public var keepUndefined = false
}

/// Where an entity's records come from.
public struct SourceSpec: Sendable {
    /// File names or glob patterns relative to the export folder; all matches are read, in order, as one stream.
    public var files: [String]
    /// Key or JSON pointer of the record array in JSON documents.
    public var records: String?
    /// With `firstMatch`, only the first pattern that matches any file is read (alternative layouts of the
    /// same data, such as API pages or the NDJSON full export).
    public var firstMatch = false
    /// Patterns grouped as written (`files: [[a, b], c]`): with `firstMatch`, the first group matching any file is
    /// read whole. A plain pattern is a group of its own.
    public var groups: [[String]] = []
    /// JSON pages of other records that may carry these beside them (Zendesk's side-loading: a ticket page fetched
    /// with `?include=users` holds a top-level `users` array). They are read after `files`, for the `records` key
    /// only; a page without it holds none of these records, and says nothing.
    public var sideloads: [String] = []
}

/// A source file indexed by key, for lookups (`users` by `id`). Built on disk before records are mapped.
public struct IndexSpec: Sendable {
    public var name: String
    public var source: SourceSpec
    public var key: String
    /// A key met again keeps its latest copy by these fields (a user side-loaded into an older ticket page must
    /// not replace the newer one of the user files); empty: the last copy read.
    public var latestBy: [String] = []
}

/// Files of child records kept apart from their parents (a comments dump), joined on `parentKey`.
public struct ChildSource: Sendable {
    public var spec: SourceSpec
    /// The child's field holding its parent's key (a `{field}` in a file pattern can supply it).
    public var parentKey: String
    /// Each element of this array field is one child, with the fields of the record around it that it lacks
    /// (an audit's `events`: each inherits the audit's `ticket_id` and `created_at`).
    public var unnest: String?
    /// Only children meeting every condition are children (`type: Comment` among an audit's events).
    public var conditions: [Condition] = []
}

/// Child records that travel inside their parent's payload (a ticket's comments → `messages`).
public struct ChildSpec: Sendable {
    /// Payload field of the parent that receives the list.
    public var target: String
    /// Array field of the parent source record holding the children (the full-export layout), if any.
    public var inline: String?
    /// Separate files of children (API-dump layouts), read together; with `key`, a child found twice is one.
    public var sources: [ChildSource] = []
    /// The children's own key: a child met again (in another source, or twice inline) is skipped as a duplicate.
    public var key: String?
    /// Children are put in the order of these fields (the first one a child has; stable; e.g. `created_at`, or
    /// `[created_at, posted_at]` when sources name their time differently), whichever source they came from.
    public var order: [String] = []
    /// Only children meeting every condition are children (inline ones too; a source's own `where` adds to it).
    public var conditions: [Condition] = []
    /// Rules applied to the parent record that make its first child, always (a Freshdesk ticket's `description`,
    /// an Intercom conversation's `source`): it comes before the others.
    public var leading: [FieldRule]?
    /// Rules applied to the parent record when it has no children at all: one child stands in (a ticket's
    /// `description` as its first message when the export holds no comments).
    public var whenNone: [FieldRule]?
    public var fields: [FieldRule]
    public var line: Int
}

/// One mapping file: how source records become one kind of cStar record.
public struct EntityMapping: Sendable {
    public var file: String
    public var entity: String
    public var target: TargetResource
    public var description: String?
    public var source: SourceSpec
    public var key: String
    public var conditions: [Condition]
    public var dedupe: Dedupe?
    public var fields: [FieldRule]
    public var indexes: [IndexSpec] = []
    public var children: [ChildSpec] = []
    /// Used only when the named entity found no source files (a CSV layout standing in for the JSON one).
    public var fallbackFor: String?
    /// Records met more than once (incremental export pages) are taken once: the version with the greatest value
    /// of this field (the last one read on a tie); the others are skipped as superseded.
    public var latestBy: String?
    /// Further fields that break a tie of `latestBy` (Zendesk's `generated_timestamp` changes on every update,
    /// deletion included, while `updated_at` may not).
    public var latestTieBreak: [String] = []
    /// Source fields left behind on purpose (API links, fields repeated under another name): the coverage report
    /// does not list them as not migrated.
    public var ignore: [String] = []
    /// The YAML this mapping was parsed from: a run's fingerprint hashes it (a built-in file is not on disk).
    public var text: String = ""
}
