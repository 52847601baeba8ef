import Foundation

/// The steps of `restore` besides the import engine (which restores through a `MigrationSession` with the
/// built-in cstar set): the check that the target team is empty, and the tags no ticket uses.
public enum RestoreSteps {
    /// Whether the team has any ticket or customer (one small list request each).
    public static func teamHoldsData(_ client: CStarClient) async throws -> Bool {
        for resource in [TargetResource.tickets, .customers] {
            let page = try await client.send(.GET, CStarAPI.listPath(resource), query: [("page", "1"), ("pageSize", "1")])
            if !(page.data.arrayValue ?? []).isEmpty { return true }
        }
        return false
    }

    /// Tags no ticket uses exist only in the tag list: create the ones the team lacks (`POST /tags`). The
    /// import engine has no tags target; this step is idempotent on its own (existing tags are skipped).
    /// A tag cStar refuses is counted as rejected with its reason (told through `report`), not a failure of the
    /// whole restore.
    public static func restoreTags(_ path: String, client: CStarClient, runId: String,
                                   report: (String) -> Void) async throws -> EntitySummary {
        var summary = EntitySummary(entity: "tags", target: "tags")
        summary.files = [path]
        var have = Set<String>()
        for t in try await client.send(.GET, CStarAPI.tagsPath).data.arrayValue ?? [] { if let n = t["name"]?.stringValue { have.insert(n) } }
        var reader = try NDJSONRecordReader(path: path)
        while let item = try reader.next() {
            guard case .record(let r) = item else { continue }  // the backup was parsed whole before anything was sent
            summary.read += 1
            guard let name = r.fields["name"]?.stringValue, !name.isEmpty else {
                summary.rejected += 1
                report("\(path):\(r.location.line): tag without a name; not restored")
                continue
            }
            if have.contains(name) { summary.skipped += 1; summary.skippedBy["exists", default: 0] += 1; continue }
            do {
                _ = try await client.send(.POST, CStarAPI.tagsPath, body: .object(JSONObject([("name", .string(name))])),
                                          idempotencyKey: .item(runId: runId, kind: "tag", name: name))
                summary.created += 1
            } catch let e as CStarAPIError where e.kind == .conflict {
                summary.skipped += 1
                summary.skippedBy["exists", default: 0] += 1
            } catch let e as CStarAPIError where e.isRefusal {
                summary.rejected += 1
                report("\(path):\(r.location.line): tag '\(name)' refused by cStar: \(e.message)")
            }
            have.insert(name)
        }
        return summary
    }
}
