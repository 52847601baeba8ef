import CStarSandbox
import Foundation
import Testing

@Suite("Sandbox: export and bulk")
struct ExportBulkTests {
    static func tickets(_ n: Int, status: (Int) -> String, day: (Int) -> Int) -> [[String: Any]] {
        (0..<n).map { i in
            ["title": "Ticket \(i)", "customerName": "C\(i)", "externalId": "ext-\(i)", "status": status(i),
             "createdAt": String(format: "2025-01-%02dT10:00:00Z", day(i))]
        }
    }

    @Test func exportCapsAt10000RowsOldestFirstAndFilters() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        // 10,050 tickets over 21 days; every third one closed.
        let all = Self.tickets(10_050, status: { $0 % 3 == 0 ? "closed" : "open" }, day: { 1 + $0 % 21 })
        for chunk in stride(from: 0, to: all.count, by: 500) {
            let a = try await h.request(.POST, "/import", json: ["resource": "tickets", "records": Array(all[chunk..<min(chunk + 500, all.count)])])
            #expect(a.dataObject["created"] as? Int == min(500, all.count - chunk))
        }
        let full = try await h.request(.POST, "/export", json: ["resources": [["type": "tickets"]], "format": "json"])
        #expect(full.status == 200)
        #expect(full.dataObject["object"] as? String == "export")
        #expect(full.dataObject["totalRows"] as? Int == 10_000)
        #expect((full.dataObject["truncated"] as? [String: Any])?["tickets"] as? Bool == true)
        let rows = try #require((full.dataObject["resources"] as? [String: Any])?["tickets"] as? [[String: Any]])
        let dates = rows.compactMap { $0["createdAt"] as? String }
        #expect(dates == dates.sorted(), "oldest first")

        let window = try await h.request(.POST, "/export", json: ["resources": [["type": "tickets", "filters": [
            "status": "closed", "createdAfter": "2025-01-05T00:00:00Z", "createdBefore": "2025-01-08T00:00:00Z"]]]])
        let windowRows = try #require((window.dataObject["resources"] as? [String: Any])?["tickets"] as? [[String: Any]])
        let expected = all.filter {
            ($0["status"] as! String) == "closed" && ($0["createdAt"] as! String) >= "2025-01-05" && ($0["createdAt"] as! String) < "2025-01-08"
        }.count
        #expect(windowRows.count == expected)
        #expect(windowRows.allSatisfy { $0["status"] as? String == "closed" })
        #expect((window.dataObject["truncated"] as? [String: Any])?["tickets"] as? Bool == false)

        let csv = try await h.request(.POST, "/export", json: ["resources": [["type": "tickets", "filters": ["status": "closed"]]], "format": "csv"])
        #expect(csv.status == 200)
        #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
        #expect(csv.text.hasPrefix("id,title,status,"))
        #expect(csv.header("X-Export-Total-Rows") == String(all.filter { ($0["status"] as! String) == "closed" }.count))

        let twoCSV = try await h.request(.POST, "/export", json: ["resources": [["type": "tickets"], ["type": "customers"]], "format": "csv"])
        #expect(twoCSV.status == 400)
        #expect(twoCSV.error["param"] as? String == "resources")
        let badFilter = try await h.request(.POST, "/export", json: ["resources": [["type": "tickets", "filters": ["colour": "red"]]]])
        #expect(badFilter.status == 400)
        #expect(badFilter.error["param"] as? String == "resources[0].filters.colour")
    }

    @Test func bulkUpdatesAndDeletesAtMost100Ids() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.request(.POST, "/import", json: ["resource": "tickets", "records": Self.tickets(120, status: { _ in "pending" }, day: { _ in 2 })])
        var ids: [String] = []
        for page in 1...2 {
            ids += try await h.request(.GET, "/tickets?pageSize=100&page=\(page)").dataArray.compactMap { $0["id"] as? String }
        }
        #expect(ids.count == 120)
        let tooMany = try await h.request(.POST, "/bulk", json: ["action": "update", "resource": "tickets", "ids": ids, "data": ["status": "closed"]])
        #expect(tooMany.status == 400)
        #expect(tooMany.error["param"] as? String == "ids")

        let some = Array(ids.prefix(99)) + ["tkt_00000000000000000000000000000000"]
        let update = try await h.request(.POST, "/bulk", json: ["action": "update", "resource": "tickets", "ids": some, "data": ["status": "closed", "tags": ["refund"]]])
        #expect(update.status == 200)
        #expect(update.dataObject["object"] as? String == "bulk_result")
        #expect(update.dataObject["total"] as? Int == 100)
        #expect(update.dataObject["succeeded"] as? Int == 99)
        #expect(update.dataObject["failed"] as? Int == 1)
        #expect((update.dataObject["errors"] as? [[String: Any]])?.first?["id"] as? String == "tkt_00000000000000000000000000000000")
        let closed = try await h.request(.GET, "/tickets?status=closed&pageSize=100")
        #expect(((closed.json["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["total"] as? Int == 99)

        let badData = try await h.request(.POST, "/bulk", json: ["action": "update", "resource": "tickets", "ids": [ids[0]], "data": ["status": "zombie"]])
        #expect(badData.status == 400)
        #expect(badData.error["param"] as? String == "data.status")

        let delete = try await h.request(.POST, "/bulk", json: ["action": "delete", "resource": "tickets", "ids": Array(ids.suffix(20))])
        #expect(delete.dataObject["succeeded"] as? Int == 20)
        let left = try await h.request(.GET, "/tickets")
        #expect(((left.json["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["total"] as? Int == 100)
    }

    /// The shared `data` is validated once; that check must not trip over fields the data does not touch
    /// (a customer's required email).
    @Test func bulkUpdateOfCustomersChecksOnlyTheData() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.request(.POST, "/import", json: ["resource": "customers", "records": (0..<3).map { ["name": "C\($0)", "email": "c\($0)@example.com"] }])
        let ids = try await h.request(.GET, "/customers").dataArray.compactMap { $0["id"] as? String }
        #expect(ids.count == 3)
        let update = try await h.request(.POST, "/bulk", json: ["action": "update", "resource": "customers", "ids": ids, "data": ["status": "inactive", "tags": ["x"]]])
        #expect(update.status == 200)
        #expect(update.dataObject["succeeded"] as? Int == 3)
        let badEmail = try await h.request(.POST, "/bulk", json: ["action": "update", "resource": "customers", "ids": ids, "data": ["email": "nope"]])
        #expect(badEmail.status == 400)
        #expect(badEmail.error["param"] as? String == "data.email")
    }
}

@Suite("Sandbox: resources")
struct ResourceTests {
    @Test func crudOnEveryDocumentedResource() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let bodies: [(String, [String: Any], [String: Any], String)] = [
            ("/customers", ["name": "A", "email": "a@example.com"], ["name": "A2"], "customer"),
            ("/customer-groups", ["name": "Acme Corp", "externalId": "zd-org-1"], ["description": "Big"], "customer_group"),
            ("/tickets", ["title": "Help", "customerName": "A"], ["status": "open", "priority": "high"], "ticket"),
            ("/articles", ["title": "How to return", "content": "# Returns", "status": "published"], ["status": "draft"], "article"),
            ("/categories", ["name": "Billing", "sortOrder": 2], ["isPublic": false], "category"),
            ("/custom-fields", ["name": "Plan", "key": "plan", "type": "select", "entityType": "customers", "options": ["a", "b"]], ["required": true], "custom_field"),
            ("/sla/rules", ["name": "Urgent", "priority": "urgent", "responseTarget": 30, "resolutionTarget": 240], ["enabled": false], "sla_rule"),
        ]
        for (path, create, patch, object) in bodies {
            let c = try await h.request(.POST, path, json: create)
            #expect(c.status == 201, "\(path): \(c.text)")
            #expect(c.dataObject["object"] as? String == object)
            let id = try #require(c.dataObject["id"] as? String)
            let g = try await h.request(.GET, "\(path)/\(id)")
            #expect(g.status == 200, "\(path)")
            let u = try await h.request(.PATCH, "\(path)/\(id)", json: patch)
            #expect(u.status == 200, "\(path): \(u.text)")
            for (k, v) in patch { #expect((u.dataObject[k] as? NSObject)?.isEqual(v) == true, "\(path).\(k)") }
            let list = try await h.request(.GET, path)
            #expect(list.status == 200)
            let d = try await h.request(.DELETE, "\(path)/\(id)")
            #expect(d.status == 200)
            #expect(d.dataObject["deleted"] as? Bool == true)
            #expect(try await h.request(.GET, "\(path)/\(id)").status == 404, "\(path)")
        }
        let category = try await h.request(.POST, "/categories", json: ["name": "Getting Started"])
        #expect(category.dataObject["slug"] as? String == "getting-started")
        let members = try await h.request(.GET, "/members?role=agent")
        #expect(members.dataArray.count == 2)
        #expect(members.dataArray.allSatisfy { ($0["id"] as? String)?.hasPrefix("mem_") == true })
        #expect(try await h.request(.POST, "/members", json: ["name": "x"]).status == 404)
    }

    @Test func ticketsReferenceExistingCustomersAndMessagesThread() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let customer = try await h.request(.POST, "/customers", json: ["name": "Ann Lee", "email": "ann@example.com"])
        let cid = try #require(customer.dataObject["id"] as? String)
        let missing = try await h.request(.POST, "/tickets", json: ["title": "x", "customerId": "cus_ffffffffffffffffffffffffffffffff"])
        #expect(missing.status == 400)
        #expect(missing.error["param"] as? String == "customerId")
        let t = try await h.request(.POST, "/tickets", json: ["title": "Zip broke", "customerId": cid])
        #expect(t.dataObject["customerName"] as? String == "Ann Lee")
        let tid = try #require(t.dataObject["id"] as? String)
        let m = try await h.request(.POST, "/tickets/\(tid)/messages", json: ["content": "Sorry!", "sender": "agent", "isInternal": false])
        #expect(m.status == 201)
        #expect(m.dataObject["ticketId"] as? String == tid)
        #expect(try await h.request(.GET, "/tickets/\(tid)/messages").dataArray.count == 1)
        let back = try await h.request(.PATCH, "/tickets/\(tid)/messages", json: [:])
        #expect(back.status == 404)
        let ticketWithThread = try await h.request(.GET, "/tickets/\(tid)")
        #expect((ticketWithThread.dataObject["messages"] as? [[String: Any]])?.map { $0["content"] as? String } == ["Sorry!"],
                "a single ticket always comes with its thread")
        #expect(try await h.request(.GET, "/tickets").dataArray.first?["messages"] == nil, "lists do not")
        let dated = try await h.request(.POST, "/tickets/\(tid)/messages", json: ["content": "Earlier", "createdAt": "2020-01-01T00:00:00Z"])
        #expect(dated.dataObject["createdAt"] as? String == "2020-01-01T00:00:00.000Z" || dated.dataObject["createdAt"] as? String == "2020-01-01T00:00:00Z")
        #expect(try await h.request(.GET, "/tickets/\(tid)/messages").dataArray.first?["content"] as? String == "Earlier", "oldest first")
        #expect(try await h.request(.POST, "/tickets/\(tid)/messages", json: ["content": "x", "createdAt": "yesterday"]).error["param"] as? String == "createdAt")
        #expect(try await h.request(.GET, "/tickets/tkt_00000000000000000000000000000000/messages").errorCode == "RESOURCE_MISSING")
        let expanded = try await h.request(.GET, "/tickets?expand=customer&customerId=\(cid)")
        #expect((expanded.dataArray.first?["customer"] as? [String: Any])?["email"] as? String == "ann@example.com")
        let c = try await h.request(.GET, "/customers/\(cid)")
        #expect(c.dataObject["ticketCount"] as? Int == 1)
    }

    @Test func groupMembershipTagsAndSettings() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let group = try await h.request(.POST, "/customer-groups", json: ["name": "Acme"])
        let gid = try #require(group.dataObject["id"] as? String)
        let c1 = try await h.request(.POST, "/customers", json: ["name": "A", "email": "a@example.com"])
        let cid = try #require(c1.dataObject["id"] as? String)
        let add = try await h.request(.POST, "/customer-groups/\(gid)/members", json: ["customerIds": [cid, cid]])
        #expect(add.dataObject["added"] as? Int == 1)
        #expect(try await h.request(.GET, "/customer-groups/\(gid)").dataObject["customerCount"] as? Int == 1)
        #expect(try await h.request(.GET, "/customer-groups/\(gid)/members").dataArray.first?["id"] as? String == cid)
        #expect(try await h.request(.DELETE, "/customer-groups/\(gid)/members/\(cid)").status == 200)
        #expect(try await h.request(.GET, "/customer-groups/\(gid)").dataObject["customerCount"] as? Int == 0)

        #expect(try await h.request(.POST, "/tags", json: ["name": "vip"]).status == 201)
        #expect(try await h.request(.POST, "/tags", json: ["name": "vip"]).status == 409)
        _ = try await h.request(.POST, "/tickets", json: ["title": "t", "customerName": "n", "tags": ["refund", "vip"]])
        let tags = try await h.request(.GET, "/tags")
        let counts = Dictionary(uniqueKeysWithValues: tags.dataArray.map { ($0["name"] as! String, $0["count"] as! Int) })
        #expect(counts == ["refund": 1, "vip": 1])

        let s = try await h.request(.GET, "/settings")
        #expect(s.dataObject["object"] as? String == "settings")
        let renamed = try await h.request(.PATCH, "/settings", json: ["teamName": "New Name"])
        #expect(renamed.dataObject["teamName"] as? String == "New Name")
        #expect(try await h.request(.GET, "/settings/statuses").dataArray.map { $0["key"] as? String } == ["new", "open", "pending", "resolved", "closed"])
        let hours = try await h.request(.PATCH, "/settings/business-hours", json: [
            "enabled": true, "timezone": "America/New_York", "schedule": ["monday": ["enabled": true, "start": "08:00", "end": "16:00"]]])
        #expect(hours.status == 200, "\(hours.text)")
        let read = try await h.request(.GET, "/settings/business-hours")
        #expect(read.dataObject["timezone"] as? String == "America/New_York")
        #expect(((read.dataObject["schedule"] as? [String: Any])?["monday"] as? [String: Any])?["start"] as? String == "08:00")
        let badHours = try await h.request(.PATCH, "/settings/business-hours", json: ["schedule": ["funday": ["enabled": true, "start": "08:00", "end": "09:00"]]])
        #expect(badHours.error["param"] as? String == "schedule.funday")
        let widget = try await h.request(.GET, "/settings/widget")
        #expect(widget.dataObject["object"] as? String == "widget_settings")
        let statuses = try await h.request(.PATCH, "/settings/statuses", json: ["statuses": [["key": "open", "label": "Open"]]])
        #expect(statuses.status == 400, "protected statuses cannot be removed")
    }
}
