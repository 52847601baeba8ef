import CStarHash
import Foundation
import Logging
import Synchronization

/// Delivery of the targets cStar creates one at a time: customer groups, categories and custom fields (one `POST`
/// each, matched to existing records first).
struct PerRecordDeliverer: Deliverer {
    let client: CStarClient
    /// Records cStar already holds, by match key (loaded at the entity's start).
    let existing: @Sendable (String) -> String?

    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered {
        var ids: [(String, String)] = []
        let outcome = try await createEach(batch, mapping: mapping, key: key, ids: &ids)
        return Delivered(outcome: outcome, ids: ids)
    }

    /// Targets without a bulk create: one POST per record not already there.
    func createEach(_ batch: Batch, mapping: EntityMapping, key: IdempotencyKey, ids: inout [(String, String)]) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        for (i, r) in batch.records.enumerated() {
            let match: String?
            switch mapping.target {
            case .customerGroups:
                match = r.payload["externalId"]?.stringValue.flatMap { existing("ext:\($0)") }
                    ?? r.payload["name"]?.stringValue.flatMap { existing("name:\($0.lowercased())") }
            case .categories: match = r.payload["name"]?.stringValue.flatMap { existing("name:\($0.lowercased())") }
            default:
                match = (r.payload["entityType"]?.stringValue).flatMap { t in r.payload["key"]?.stringValue.flatMap { existing("field:\(t):\($0)") } }
            }
            if let id = match {
                ids.append((r.sourceKey, id))
                outcome.skipped += 1
                continue
            }
            do {
                let created = try await client.send(.POST, CStarAPI.listPath(mapping.target), body: .object(r.payload), idempotencyKey: key.derived("r\(i)"))
                if let id = created.data["id"]?.stringValue { ids.append((r.sourceKey, id)) }
                outcome.created += 1
            } catch let e as CStarAPIError where e.isRefusal || e.kind == .conflict {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }
}

/// Customer ↔ group links, through the group's members endpoint in calls of at most 100.
struct MembershipDeliverer: Deliverer {
    let client: CStarClient

    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered {
        Delivered(outcome: try await addMembers(batch, key: key))
    }

    func addMembers(_ batch: Batch, key: IdempotencyKey) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        var byGroup: [String: [(Int, String)]] = [:]
        var order: [String] = []
        for (i, r) in batch.records.enumerated() {
            guard let g = r.payload["groupId"]?.stringValue, let c = r.payload["customerId"]?.stringValue else {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: "unresolved_reference", message: "group or customer has no cStar id", param: nil, notSent: true))
                continue
            }
            if byGroup[g] == nil { order.append(g) }
            byGroup[g, default: []].append((i, c))
        }
        for g in order {
            let members = byGroup[g]!
            for chunkStart in stride(from: 0, to: members.count, by: 100) {
                let chunk = Array(members[chunkStart..<min(chunkStart + 100, members.count)])
                let body: JSONValue = .object(JSONObject([("customerIds", .array(chunk.map { .string($0.1) }))]))
                let result = try await client.send(.POST, CStarAPI.groupMembersPath(groupId: g), body: body,
                                                   idempotencyKey: key.derived("\(SHA256.hex(g).prefix(8))-\(chunkStart)")).data
                let added = Int(result["added"]?.intValue ?? Int64(chunk.count))
                outcome.created += added
                outcome.skipped += chunk.count - added
            }
        }
        return outcome
    }
}

/// Settings: statuses merged into the team's list, other sections patched.
struct SettingsDeliverer: Deliverer {
    let client: CStarClient

    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered {
        Delivered(outcome: try await patchSettings(batch, key: key))
    }

    /// `#RRGGBB`, the form cStar's status list takes.
    static func isStatusColor(_ s: String) -> Bool {
        s.utf8.count == 7 && s.hasPrefix("#") && s.utf8.dropFirst().allSatisfy { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
    }

    func patchSettings(_ batch: Batch, key: IdempotencyKey) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        let statuses = batch.records.filter { $0.payload["section"]?.stringValue == "statuses" }
        if !statuses.isEmpty {
            var list = try await client.send(.GET, CStarAPI.settingsPath(section: "statuses")).data.arrayValue ?? []
            var added = 0
            var refused = 0
            for (i, r) in batch.records.enumerated() where r.payload["section"]?.stringValue == "statuses" {
                guard let k = r.payload["key"]?.stringValue, !list.contains(where: { $0["key"]?.stringValue == k }) else { continue }
                var item = JSONObject([("key", .string(k)), ("label", r.payload["label"] ?? .string(k))])
                if let color = r.payload["color"] {
                    // One bad colour would make cStar refuse the whole list: refuse that status alone.
                    guard let c = color.stringValue, Self.isStatusColor(c) else {
                        outcome.errors.append(BatchOutcome.RecordError(index: i, code: "invalid_color", message: "'color' must be a #RRGGBB colour, got \(JSONSerializer.string(color))", param: "color", notSent: true))
                        refused += 1
                        continue
                    }
                    item["color"] = .string(c)
                }
                item["position"] = .int(Int64(list.count + 1))
                list.append(.object(item))
                added += 1
            }
            if added > 0 {
                let items: [JSONValue] = list.map { item in
                    var o = JSONObject()
                    for f in ["key", "label", "color", "position"] { if let v = item[f] { o[f] = v } }
                    return .object(o)
                }
                _ = try await client.send(.PATCH, CStarAPI.settingsPath(section: "statuses"), body: .object(JSONObject([("statuses", .array(items))])), idempotencyKey: key.derived("statuses"))
            }
            outcome.created += added
            outcome.skipped += statuses.count - added - refused
        }
        for (i, r) in batch.records.enumerated() where r.payload["section"]?.stringValue != "statuses" {
            var body = r.payload
            let section = body["section"]?.stringValue ?? ""
            body["section"] = nil
            do {
                _ = try await client.send(.PATCH, section.isEmpty ? CStarAPI.settingsPath : CStarAPI.settingsPath(section: section), body: .object(body), idempotencyKey: key.derived("r\(i)"))
                outcome.updated += 1
            } catch let e as CStarAPIError where e.isRefusal {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }
}
