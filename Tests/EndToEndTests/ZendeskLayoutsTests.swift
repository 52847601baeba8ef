import CStarIO
import CStarSandbox
import Foundation
import Testing

/// The Zendesk exports in the layouts real accounts have (`Samples/zendesk-full`: the Admin Center export, NDJSON
/// in `.json` files with comments inline; `Samples/zendesk-dump`: a script's API dump with incremental pages, a
/// deleted and a repeated ticket, per-ticket comment pages in two naming schemes, audits, ticket events and a
/// single-ticket response), migrated into a sandbox over HTTP and compared field by field with the sample's
/// `expected.json` (written by `Samples/make_zendesk_layouts.py` from the same documented shapes, independently
/// of the mapping).
@Suite("End to end: Zendesk export layouts", .serialized)
struct ZendeskLayoutsTests {
    static func slug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased().unicodeScalars {
            if ch.isASCII, CharacterSet.alphanumerics.contains(ch) { out.unicodeScalars.append(ch) }
            else if !out.isEmpty, !out.hasSuffix("_") { out += "_" }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }

    static func instant(_ s: String?) -> Date? {
        guard let s else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    static let statusMap = ["new": "new", "open": "open", "pending": "pending", "hold": "pending", "solved": "resolved", "closed": "closed"]

    @Test(arguments: ["zendesk-full", "zendesk-dump"])
    func everyRecordAndChildArrivesAsExpected(layout: String) async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let run = try await CLIProcess.run(["migrate", "Samples/\(layout)", "--from", "zendesk", "--api-url", base, "--json",
                                            "--state-dir", dir.appendingPathComponent("state").path],
                                           env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        // One phone-only user cannot become a customer: rejected, so the run says so.
        #expect(run.status == 3, "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let entities = summary["entities"] as? [[String: Any]] ?? []
        for e in entities {
            let n = { (k: String) in e[k] as? Int ?? -1 }
            #expect(n("read") == n("created") + n("updated") + n("skipped") + n("rejected") + n("failed"), "\(e["entity"]!)")
            let c = e["children"] as? [String: Int] ?? [:]
            #expect(c["read"] == (c["delivered"] ?? 0) + (c["rejected"] ?? 0) + (c["skipped"] ?? 0), "children of \(e["entity"]!)")
        }
        let ticketSummary = try #require(entities.first { $0["entity"] as? String == "tickets" })
        #expect((ticketSummary["children"] as? [String: Int])?["rejected"] == 0, "no comment is lost")

        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: CLIProcess.repoRoot
            .appendingPathComponent("Samples/\(layout)/expected.json"))) as? [String: Any])
        // Read once more with CStarIO's parser, which tells booleans from numbers (Foundation's does not on Linux).
        let typed = try JSONParser.parse(Array(Data(contentsOf: CLIProcess.repoRoot.appendingPathComponent("Samples/\(layout)/expected.json"))))
        let api = SandboxReader(base: base, key: server.team.secretKey)

        // Customers: every end-user with an email, by email; the rejected ones are not there.
        let customers = try await api.all("/customers")
        let byEmail = Dictionary(customers.map { (($0["email"] as? String ?? "").lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var customerIdByUser: [String: String] = [:]
        for (userId, value) in expected["customers"] as? [String: [String: Any]] ?? [:] {
            if let reason = value["rejected"] {
                #expect(!customers.contains { $0["metadata"].flatMap { ($0 as? [String: Any])?["zendeskUserId"] as? String } == userId },
                        "user \(userId) rejected (\(reason))")
                continue
            }
            let c = try #require(byEmail[(value["email"] as? String ?? "").lowercased()], "customer \(userId)")
            #expect(c["name"] as? String == value["name"] as? String)
            customerIdByUser[userId] = c["id"] as? String
        }

        // Memberships: a customer in every organization it belongs to (several for one of them).
        let groups = try await api.all("/customer-groups")
        var members: Set<String> = []
        for g in groups {
            for c in try await api.all("/customer-groups/\(g["id"] as! String)/members") {
                members.insert("\(c["id"] as! String)|\(g["externalId"] as? String ?? "")")
            }
        }
        let expectedMemberships = (expected["memberships"] as? [[String]] ?? []).map { "\(customerIdByUser[$0[0]] ?? "?")|\($0[1])" }
        #expect(members == Set(expectedMemberships))

        // Tickets, field by field, and every message once, in order, public/private kept.
        let tickets = try await api.all("/tickets")
        let byExternal = Dictionary(tickets.map { ($0["externalId"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let expectedTickets = expected["tickets"] as? [String: [String: Any]] ?? [:]
        #expect(tickets.count == expectedTickets.values.filter { $0["skipped"] == nil }.count)
        for (id, want) in expectedTickets.sorted(by: { $0.key < $1.key }) {
            if want["skipped"] != nil {
                #expect(byExternal[id] == nil, "ticket \(id) is skipped (\(want["skipped"]!))")
                continue
            }
            let t = try #require(byExternal[id], "ticket \(id)")
            #expect(t["title"] as? String == want["subject"] as? String, "ticket \(id) title")
            #expect(t["status"] as? String == Self.statusMap[want["status"] as? String ?? ""], "ticket \(id) status")
            #expect(t["priority"] as? String == (want["priority"] as? String ?? "normal"), "ticket \(id): a missing priority takes cStar's default")
            #expect(t["customerName"] as? String == want["requesterName"] as? String, "ticket \(id) requester")
            let metadata = t["metadata"] as? [String: Any] ?? [:]
            if let c = want["satisfactionComment"] as? String { #expect(metadata["satisfactionComment"] as? String == c, "ticket \(id)") }
            if let g = want["zendeskGroupId"] as? String { #expect(metadata["zendeskGroupId"] as? String == g, "ticket \(id)") }
            if let s = want["customStatusId"] as? String { #expect(metadata["zendeskCustomStatusId"] as? String == s, "ticket \(id)") }
            let fields = t["customFields"] as? [String: Any] ?? [:]
            let wantFields = typed["tickets"]?[id]?["customFields"]?.objectValue ?? JSONObject()
            #expect(fields.count == wantFields.keys.count, "ticket \(id): every custom field value, no more: \(fields.keys.sorted())")
            for (title, value) in zip(wantFields.keys, wantFields.values) {
                let got = fields[Self.slug(title)]
                switch value {
                case .array(let list): #expect(got as? [String] == list.compactMap(\.stringValue), "ticket \(id) field \(title)")
                case .bool(let b): #expect((got as? NSNumber)?.boolValue == b && "\(got!)" != "2", "ticket \(id) field \(title)")
                case .int, .double:
                    #expect((got as? NSNumber)?.doubleValue == (value.intValue.map(Double.init) ?? { if case .double(let d) = value { return d } else { return .nan } }()),
                            "ticket \(id) field \(title): \(String(describing: got))")
                default: #expect(got as? String == value.stringValue, "ticket \(id) field \(title)")
                }
            }
            let thread = try await api.list("/tickets/\(t["id"] as! String)/messages")
            let wantMessages = want["messages"] as? [[String: Any]] ?? []
            #expect(thread.count == wantMessages.count, "ticket \(id): every comment once")
            for (got, message) in zip(thread, wantMessages) {
                #expect(got["isInternal"] as? Bool == !(message["public"] as? Bool ?? true), "ticket \(id) comment \(message["commentId"] ?? "-")")
                #expect(Self.instant(got["createdAt"] as? String) == Self.instant(message["createdAt"] as? String), "ticket \(id) order and time")
                let content = got["content"] as? String ?? ""
                for fragment in message["contains"] as? [String] ?? [] {
                    #expect(content.contains(fragment), "ticket \(id) comment \(message["commentId"] ?? "-") keeps '\(fragment)'")
                }
            }
        }
    }
}
