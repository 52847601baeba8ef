import CStarHash
import Foundation
import Logging
import Synchronization

/// Delivery through `POST /import` (customers, tickets with their threads, articles): one request per batch, a
/// refused batch narrowed down to the records at fault, a request over the size limit halved, and a ticket too
/// large for one request sent with as much of its thread as fits and the rest message by message.
struct ImportDeliverer: Deliverer {
    let client: CStarClient
    let mergeStrategy: CStarAPI.MergeStrategy
    let logger: Logger

    func body(_ batch: Batch, mapping: EntityMapping) -> [UInt8] {
        JSONSerializer.bytes(importBody(Array(batch.records.enumerated()), mapping: mapping))
    }

    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered {
        Delivered(outcome: try await importRecords(Array(batch.records.enumerated()), mapping: mapping, key: key, body: body))
    }

    func importBody(_ records: [(Int, MappedRecord)], mapping: EntityMapping) -> JSONValue {
        .object(JSONObject([
            ("resource", .string(mapping.target.rawValue)),
            ("records", .array(records.map { .object($0.1.payload) })),
            ("mergeStrategy", .string(mergeStrategy.rawValue)),
        ]))
    }

    /// Sends records (with their positions in the batch) in one `POST /import`. When cStar refuses the whole
    /// request because of its records, the refusal is narrowed down, never looping: a `param` naming a record
    /// (`records[3].email`) rejects that record and the rest go again; otherwise the records are split in halves,
    /// down to single records, which are rejected with cStar's reason. A 413 splits the same way, and a single
    /// ticket too large for one request has its thread split. Each narrower request has its own idempotency key,
    /// derived from the batch's, so a resumed run replays them.
    /// `body`: these records' request, when the caller has serialised it already.
    func importRecords(_ records: [(Int, MappedRecord)], mapping: EntityMapping, key: IdempotencyKey, body: [UInt8]? = nil) async throws -> BatchOutcome {
        guard !records.isEmpty else { return BatchOutcome() }
        do {
            let bytes = body ?? JSONSerializer.bytes(importBody(records, mapping: mapping))
            let result = try await client.send(.POST, CStarAPI.importPath, bodyBytes: bytes, idempotencyKey: key).data
            return Self.outcome(result, positions: records.map(\.0))
        } catch let e as CStarAPIError where e.isRefusal && (e.param.map { $0.hasPrefix("records") } ?? true) || e.kind == .tooLarge {
            if e.kind != .tooLarge, let i = Self.recordPosition(e.param), records.indices.contains(i) {
                logger.info("cStar refused one record of a batch; sending the others", metadata: ["param": "\(e.param ?? "")", "code": "\(e.code)"])
                var out = BatchOutcome(errors: [BatchOutcome.RecordError(index: records[i].0, code: e.code, message: e.message,
                                                                         param: Self.fieldParam(e.param))])
                var rest = records
                rest.remove(at: i)
                out.add(try await importRecords(rest, mapping: mapping, key: key.derived("x\(i)")))
                return out
            }
            if records.count == 1 {
                if e.kind == .tooLarge, mapping.target == .tickets, let out = try await importSplitThread(records[0], mapping: mapping, key: key) {
                    return out
                }
                return BatchOutcome(errors: [BatchOutcome.RecordError(index: records[0].0, code: e.code, message: e.message, param: Self.fieldParam(e.param))])
            }
            logger.info("cStar refused a batch; splitting it to find the records at fault", metadata: ["records": "\(records.count)", "code": "\(e.code)"])
            let mid = records.count / 2
            var out = try await importRecords(Array(records[..<mid]), mapping: mapping, key: key.derived("a"))
            out.add(try await importRecords(Array(records[mid...]), mapping: mapping, key: key.derived("b")))
            return out
        }
    }

    /// An import answer, with error indexes mapped back to positions in the batch.
    static func outcome(_ result: JSONValue, positions: [Int]) -> BatchOutcome {
        BatchOutcome(
            created: Int(result["created"]?.intValue ?? 0), updated: Int(result["updated"]?.intValue ?? 0),
            skipped: Int(result["skipped"]?.intValue ?? 0),
            errors: (result["errors"]?.arrayValue ?? []).map { e in
                let i = Int(e["index"]?.intValue ?? -1)
                return BatchOutcome.RecordError(index: positions.indices.contains(i) ? positions[i] : -1, code: e["code"]?.stringValue ?? "import_error",
                                                message: e["message"]?.stringValue ?? "no reason given", param: e["param"]?.stringValue)
            })
    }

    /// `records[3].email` → 3.
    static func recordPosition(_ param: String?) -> Int? {
        guard let p = param, p.hasPrefix("records["), let close = p.firstIndex(of: "]") else { return nil }
        return Int(p[p.index(p.startIndex, offsetBy: 8)..<close])
    }

    /// `records[3].email` → `email` (the field of the record).
    static func fieldParam(_ param: String?) -> String? {
        guard let p = param, p.hasPrefix("records["), let close = p.firstIndex(of: "]") else { return param }
        let rest = p[p.index(after: close)...]
        return rest.hasPrefix(".") ? String(rest.dropFirst()) : (rest.isEmpty ? nil : String(rest))
    }

    /// A ticket whose thread does not fit one request: the ticket goes with the first half of its thread (or
    /// less, halving until cStar takes it), then the remaining messages one `POST /tickets/{id}/messages` each,
    /// with their original timestamps. The ticket's `messageCount` says where a resumed run continues, so no
    /// message is added twice. nil when the ticket cannot be found again (no createdAt to search by).
    func importSplitThread(_ record: (Int, MappedRecord), mapping: EntityMapping, key: IdempotencyKey) async throws -> BatchOutcome? {
        let payload = record.1.payload
        let thread = payload["messages"]?.arrayValue ?? []
        guard thread.count > 1, let externalId = payload["externalId"]?.scalarText, let createdAt = payload["createdAt"]?.stringValue else { return nil }
        // The ticket exists with the first `present` messages of its thread; the rest are reported missing.
        func incomplete(_ head: BatchOutcome, present: Int, _ why: String) -> BatchOutcome {
            var o = head
            o.partial.append(BatchOutcome.Partial(index: record.0, present: present, missing: thread.count - present, code: "thread_incomplete", message: why))
            return o
        }
        var inline = thread.count / 2
        var head: BatchOutcome
        while true {
            var part = record.1
            part.payload["messages"] = .array(Array(thread.prefix(inline)))
            do {
                let result = try await client.send(.POST, CStarAPI.importPath, body: importBody([(record.0, part)], mapping: mapping),
                                                   idempotencyKey: key.derived("t\(inline)")).data
                head = Self.outcome(result, positions: [record.0])
                break
            } catch let e as CStarAPIError where e.kind == .tooLarge {
                guard inline > 0 else {
                    return BatchOutcome(errors: [BatchOutcome.RecordError(index: record.0, code: e.code, message: "the ticket is too large for one request even without its messages: \(e.message)", param: "messages")])
                }
                inline /= 2
            } catch let e as CStarAPIError where e.isRefusal {
                return BatchOutcome(errors: [BatchOutcome.RecordError(index: record.0, code: e.code, message: e.message, param: Self.fieldParam(e.param))])
            }
        }
        // A ticket cStar already had (skipped or updated) keeps the thread it has: nothing is appended to it.
        guard head.errors.isEmpty, head.created == 1 else { return head }
        let found: JSONValue?
        do {
            found = try await findTicket(externalId: externalId, createdAt: createdAt)
        } catch FindTicketError.unreadableCreatedAt {
            return incomplete(head, present: inline, "the ticket was imported with \(inline) of \(thread.count) messages; the rest could not be added because its createdAt '\(createdAt)' is not ISO 8601 (use the date transform)")
        }
        guard let ticket = found, let id = ticket["id"]?.stringValue else {
            // Not committed: a re-run replays the import (answered as before) and looks again.
            throw ThreadSplitError(externalId: externalId, inline: inline, total: thread.count)
        }
        let already = Int(ticket["messageCount"]?.intValue ?? Int64(inline))
        logger.info("ticket thread split", metadata: ["externalId": "\(externalId)", "inline": "\(inline)", "messages": "\(thread.count)", "present": "\(already)"])
        for (i, m) in thread.enumerated() where i >= already {
            do {
                _ = try await client.send(.POST, CStarAPI.ticketMessagesPath(ticketId: id), body: m, idempotencyKey: key.derived("m\(i)"))
            } catch let e as CStarAPIError where e.concernsTheRequest {
                return incomplete(head, present: i, "the ticket was imported with \(i) of \(thread.count) messages: message \(i + 1) was refused (\(e.code): \(e.message)), and the \(thread.count - i - 1) after it were not sent")
            }
        }
        return head
    }

    enum FindTicketError: Error { case unreadableCreatedAt }

    struct ThreadSplitError: Error, CustomStringConvertible {
        let externalId: String
        let inline: Int
        let total: Int
        var description: String {
            "ticket \(externalId) was imported with \(inline) of its \(total) messages but could not be found again to add the rest; re-run to continue"
        }
    }

    /// A ticket by externalId, through an export window at its creation time (the import keeps createdAt).
    func findTicket(externalId: String, createdAt: String) async throws -> JSONValue? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let at = plain.date(from: createdAt) ?? fractional.date(from: createdAt) else { throw FindTicketError.unreadableCreatedAt }
        let body: JSONValue = .object(JSONObject([
            ("resources", .array([.object(JSONObject([("type", .string("tickets")), ("filters", .object(JSONObject([
                ("createdAfter", .string(createdAt)), ("createdBefore", .string(plain.string(from: at.addingTimeInterval(1)))),
            ])))]))])),
            ("format", .string("json")),
        ]))
        let rows = try await client.send(.POST, CStarAPI.exportPath, body: body).data["resources"]?["tickets"]?.arrayValue ?? []
        return rows.first { $0["externalId"]?.scalarText == externalId }
    }
}
