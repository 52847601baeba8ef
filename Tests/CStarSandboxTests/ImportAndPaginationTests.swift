import CStarSandbox
import Foundation
import Testing

@Suite("Sandbox: import, pagination")
struct ImportAndPaginationTests {
    @Test func importOfMoreThan500RecordsIsRefused() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let a = try await h.request(.POST, "/import", json: ["resource": "customers", "records": SandboxHarness.customers(501)])
        #expect(a.status == 400)
        #expect(a.error["param"] as? String == "records")
        #expect(a.error["type"] as? String == "invalid_request_error")
        let ok = try await h.request(.POST, "/import", json: ["resource": "customers", "records": SandboxHarness.customers(500)])
        #expect(ok.status == 200)
        #expect(ok.dataObject["created"] as? Int == 500)
    }

    @Test func importReportsCountsAndPerRecordErrors() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.request(.POST, "/customers", json: ["name": "Existing", "email": "existing@example.com"])
        let records: [[String: Any]] = [
            ["name": "New", "email": "new@example.com"],
            ["name": "Again", "email": "EXISTING@example.com"],  // matched case-insensitively → skipped
            ["name": "No email"],                                  // → error index 2, param email
            ["name": "Bad", "email": "bad@example.com", "status": "zombie"],  // → error index 3, param status
            ["name": "New twin", "email": "new@example.com"],      // duplicate inside the batch → skipped
        ]
        let a = try await h.request(.POST, "/import", json: ["resource": "customers", "records": records])
        #expect(a.status == 200)
        let d = a.dataObject
        #expect(d["object"] as? String == "import_result")
        #expect(d["resource"] as? String == "customers")
        #expect(d["total"] as? Int == 5)
        #expect(d["created"] as? Int == 1)
        #expect(d["skipped"] as? Int == 2)
        #expect(d["updated"] as? Int == 0)
        let errors = try #require(d["errors"] as? [[String: Any]])
        #expect(errors.map { $0["index"] as? Int } == [2, 3])
        #expect(errors.map { $0["param"] as? String } == ["email", "status"])
        #expect(errors.allSatisfy { $0["code"] is String && $0["message"] is String })
    }

    @Test func mergeStrategyUpdateChangesMatchedRecords() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.request(.POST, "/import", json: ["resource": "customers", "records": [["name": "Old", "email": "p@example.com"]]])
        let a = try await h.request(.POST, "/import", json: ["resource": "customers", "mergeStrategy": "update",
                                                             "records": [["name": "New name", "email": "P@example.com"]]])
        #expect(a.dataObject["updated"] as? Int == 1)
        let list = try await h.request(.GET, "/customers")
        #expect(list.dataArray.count == 1)
        #expect(list.dataArray.first?["name"] as? String == "New name")
        let bad = try await h.request(.POST, "/import", json: ["resource": "customers", "mergeStrategy": "merge", "records": []])
        #expect(bad.status == 400)
        #expect(bad.error["param"] as? String == "mergeStrategy")
    }

    @Test func ticketImportCarriesMessagesAndOriginalTimestamps() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let record: [String: Any] = [
            "title": "Boots leak", "customerName": "Ann", "externalId": "zd-1", "status": "resolved",
            "createdAt": "2025-03-01T10:00:00Z", "updatedAt": "2025-03-02T10:00:00Z",
            "messages": [
                ["content": "They leak", "sender": "customer", "senderName": "Ann", "createdAt": "2025-03-01T10:00:00Z"],
                ["content": "Internal: check batch", "sender": "agent", "isInternal": true, "createdAt": "2025-03-01T11:00:00Z"],
            ],
        ]
        let a = try await h.request(.POST, "/import", json: ["resource": "tickets", "records": [record]])
        #expect(a.dataObject["created"] as? Int == 1)
        let again = try await h.request(.POST, "/import", json: ["resource": "tickets", "records": [record]])
        #expect(again.dataObject["skipped"] as? Int == 1, "matched by externalId")
        let list = try await h.request(.GET, "/tickets")
        let t = try #require(list.dataArray.first)
        #expect(t["createdAt"] as? String == "2025-03-01T10:00:00.000Z")
        #expect(t["messageCount"] as? Int == 2)
        let id = try #require(t["id"] as? String)
        let msgs = try await h.request(.GET, "/tickets/\(id)/messages")
        #expect(msgs.dataArray.map { $0["isInternal"] as? Bool } == [false, true])
        #expect(msgs.dataArray.first?["createdAt"] as? String == "2025-03-01T10:00:00.000Z")
        let badMessage = try await h.request(.POST, "/import", json: ["resource": "tickets", "records": [
            ["title": "x", "customerName": "y", "externalId": "zd-2", "messages": [["sender": "robot", "content": "hi"]]],
        ]])
        let errors = try #require(badMessage.dataObject["errors"] as? [[String: Any]])
        #expect(errors.first?["param"] as? String == "messages[0].sender")
    }

    @Test func fullPaginationWalkSeesEveryRecordOnce() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.request(.POST, "/import", json: ["resource": "customers", "records": SandboxHarness.customers(250)])
        var seen: [String] = []
        var page = 1
        var hasMore = true
        while hasMore {
            let a = try await h.request(.GET, "/customers?page=\(page)&pageSize=100")
            #expect(a.status == 200)
            let p = try #require((a.json["meta"] as? [String: Any])?["pagination"] as? [String: Any])
            #expect(p["total"] as? Int == 250)
            #expect(p["pageSize"] as? Int == 100)
            #expect(p["totalPages"] as? Int == 3)
            hasMore = try #require(p["hasMore"] as? Bool)
            seen += a.dataArray.compactMap { $0["id"] as? String }
            page += 1
        }
        #expect(page == 4)
        #expect(seen.count == 250)
        #expect(Set(seen).count == 250)
        let tooBig = try await h.request(.GET, "/customers?pageSize=101")
        #expect(tooBig.status == 400)
        #expect(tooBig.error["param"] as? String == "pageSize")
        let groups = try await h.request(.GET, "/customer-groups")
        #expect(((groups.json["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["pageSize"] as? Int == 25)
    }

    @Test func singleResourcePathsAcceptPrefixedAndRawIds() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let created = try await h.request(.POST, "/customers", json: ["name": "A", "email": "a@example.com"])
        let id = try #require(created.dataObject["id"] as? String)
        #expect(id.hasPrefix("cus_"))
        let hex = String(id.dropFirst(4))
        let uuid = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)].joined(separator: "-")
        let byUUID = try await h.request(.GET, "/customers/\(uuid)")
        #expect(byUUID.status == 200)
        #expect(byUUID.dataObject["id"] as? String == id)
    }
}
