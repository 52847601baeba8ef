import Foundation
/// One `POST /export` answer for one resource: rows oldest first, and whether the row cap cut the list.
/// The rows are either held parsed, or read one at a time from the answer's bytes (`row(_:)`), so a window of
/// 10,000 tickets with their messages costs its bytes, not a parsed tree of them.
public struct ExportWindow: Sendable {
    public let count: Int
    public var truncated: Bool
    private let rowAt: @Sendable (Int) throws -> JSONObject

    public init(rows: [JSONObject], truncated: Bool) {
        self.count = rows.count
        self.truncated = truncated
        self.rowAt = { rows[$0] }
    }

    /// A window whose `index`th row is made by `row` when it is asked for (it may throw: bytes that are not JSON).
    public init(count: Int, truncated: Bool, row: @escaping @Sendable (Int) throws -> JSONObject) {
        self.count = count
        self.truncated = truncated
        self.rowAt = row
    }

    public func row(_ index: Int) throws -> JSONObject { try rowAt(index) }

    /// Every row, parsed.
    public var rows: [JSONObject] { get throws { try (0..<count).map(rowAt) } }
}

/// Where windows come from: the API in the tool, a fake in unit tests.
public protocol ExportWindowSource {
    /// Rows with createdAt ≥ `createdAfter` (inclusive; nil = from the start), oldest first, at most the API's cap.
    func window(createdAfter: String?) async throws -> ExportWindow
    /// Every row through the list endpoint (creation order), for the rare case a window cannot advance.
    func listAll(_ body: (JSONObject) async throws -> Void) async throws
}

/// Reads a whole resource through export windows, past cStar's 10,000-row cap, with no row missed or repeated.
///
/// Why windows and not list pages: a window is one request per 10,000 rows (list pages are one per 100, and
/// the budget is 1,000 requests an hour), and windows are keyed by createdAt, so rows created while the
/// export runs cannot shift later rows across a page boundary (offset pages can skip or repeat a row then).
///
/// The next window starts *at* the last createdAt seen (the bound is inclusive): rows sharing that instant may
/// straddle the cut, so the boundary instant is read again and its rows already written are dropped by id.
/// Only the ids of that one instant are kept, so memory is bounded by the window size, not the row count.
/// When a whole window shares one instant (more than 10,000 rows created in the same millisecond) the
/// window cannot advance: the rest is read through list pages instead, keeping rows at or after the boundary
/// that were not written yet (those come in creation order rather than createdAt order).
public struct ExportWindowWalker {
    public struct Stats: Sendable, Equatable {
        public var rows = 0
        public var windows = 0
        /// Rows read again at a window boundary and dropped.
        public var boundaryDuplicates = 0
        public var usedListFallback = false
    }

    public init() {}

    /// `keep` filters rows read in the list fallback (the windows are filtered by the API).
    public func walk(_ source: some ExportWindowSource, since: String? = nil, keep: (JSONObject) -> Bool = { _ in true },
                     emit: (JSONObject) async throws -> Void) async throws -> Stats {
        var stats = Stats()
        var after = since
        // Ids already written whose createdAt equals `after`.
        var boundaryIds: Set<String> = []
        while true {
            let window = try await source.window(createdAfter: after)
            stats.windows += 1
            var trailingAt: String? = nil
            var trailingIds: Set<String> = []
            // (The user's `since` may be written differently from the API's timestamps; a bound taken from a row is not.)
            var previous = stats.windows > 1 ? after.flatMap(Self.instant) : nil
            var previousText = stats.windows > 1 ? (after ?? "") : ""
            for index in 0..<window.count {
                let row = try window.row(index)
                let at = row["createdAt"]?.stringValue ?? ""
                // Windows rely on rows coming oldest first from `after` on; an answer that breaks that would make
                // the walk miss or repeat rows, so it stops the export instead.
                if let t = Self.instant(at) {
                    if let p = previous, t < p { throw ExportOrderError(after: after, previous: previousText, found: at) }
                    previous = t
                    previousText = at
                }
                let id = Self.id(row)
                if let a = after, at == a, boundaryIds.contains(id) {
                    stats.boundaryDuplicates += 1
                    continue
                }
                try await emit(row)
                stats.rows += 1
                if at != trailingAt { trailingAt = at; trailingIds = [] }
                trailingIds.insert(id)
            }
            guard window.truncated, window.count > 0, let last = try window.row(window.count - 1)["createdAt"]?.stringValue else { return stats }
            if last == after {
                // The whole window is one instant: it cannot advance. Finish through list pages.
                boundaryIds.formUnion(trailingIds)
                stats.usedListFallback = true
                let boundary = last
                let written = boundaryIds
                try await source.listAll { row in
                    let at = row["createdAt"]?.stringValue ?? ""
                    guard at >= boundary, keep(row) else { return }
                    if at == boundary, written.contains(Self.id(row)) { return }
                    try await emit(row)
                    stats.rows += 1
                }
                return stats
            }
            after = last
            boundaryIds = trailingIds
        }
    }

    /// A window whose rows are not oldest first, or start before the window's bound.
    public struct ExportOrderError: Error, CustomStringConvertible {
        public let after: String?
        public let previous: String
        public let found: String
        public var description: String {
            "the export answer is not in createdAt order (a row created at \(found) came after \(previous)" +
            (after.map { ", in a window starting at \($0)" } ?? "") + "); stopping rather than missing or repeating rows"
        }
    }

    /// A timestamp in one fixed-width UTC form (`YYYY-MM-DDTHH:MM:SSZ`), whose text order is time order: so
    /// `…10:00:00.500Z`, `…10:00:00Z` and `…12:00:00+02:00` compare by the instant they name, not by their characters.
    static func instant(_ text: String) -> String? {
        DateParsing.normalise(.string(text), format: .iso8601)
    }

    static func id(_ row: JSONObject) -> String { row["id"]?.scalarText ?? JSONSerializer.string(.object(row)) }
}
