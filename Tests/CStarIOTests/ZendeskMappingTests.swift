import CStarIO
import Foundation
import Logging
import Synchronization
import Testing

/// Collects every payload a pipeline would send, with plan-style placeholders for references.
final class CollectingSink: BatchSink {
    var batchSize: Int { 500 }
    private let collected = Mutex<[String: [JSONObject]]>([:])
    var payloads: [String: [JSONObject]] { collected.withLock { $0 } }
    func unsupportedReason(_ mapping: EntityMapping) -> String? { nil }
    func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        collected.withLock { $0[batch.entity, default: []] += batch.records.map(\.payload) }
        return BatchOutcome(created: batch.records.count)
    }
    func reference(entity: String, key: String) throws -> JSONValue? { .string("@\(entity):\(key)") }
    func member(email: String) throws -> JSONValue? { email.hasSuffix("@sandbox.cstar.test") ? .string("mem_\(email.prefix(while: { $0 != "@" }))") : nil }
}

struct PlannedRun {
    let summary: MigrationSummary
    let sink: CollectingSink
    let rejects: [JSONValue]

    func entity(_ name: String) -> EntitySummary? { summary.entities.first { $0.entity == name } }
    func payloads(_ name: String) -> [JSONObject] { sink.payloads[name] ?? [] }
    func ticket(_ id: String) -> JSONObject? { payloads("tickets").first { $0["externalId"] == .string(id) } }

    static func run(exportDir: String) async throws -> PlannedRun {
        let mappings = try MappingSet.load(directory: TestFiles.repoRoot.appendingPathComponent("Mappings/zendesk").path).entities
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        let sink = CollectingSink()
        let pipeline = try Pipeline(exportDirectory: exportDir, stateDirectory: state, sink: sink, logger: Logger(label: "test"))
        let summary = try await pipeline.run(mappings)
        let text = (try? String(contentsOfFile: pipeline.rejectsPath, encoding: .utf8)) ?? ""
        let rejects = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        return PlannedRun(summary: summary, sink: sink, rejects: rejects)
    }

    static var sample: String { TestFiles.repoRoot.appendingPathComponent("Samples/zendesk").path }

    /// A copy of the sample holding only the named files (to exercise the other layouts).
    static func sampleSubset(_ names: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for n in names {
            try FileManager.default.copyItem(atPath: sample + "/" + n, toPath: dir.appendingPathComponent(n).path)
        }
        return dir.path
    }
}

@Suite("The Zendesk mapping set on Samples/zendesk")
struct ZendeskMappingTests {
    @Test func everyEntityIsMappedAndReconciles() async throws {
        let run = try await PlannedRun.run(exportDir: PlannedRun.sample)
        let counts = Dictionary(uniqueKeysWithValues: run.summary.entities.map { ($0.entity, [$0.read, $0.created, $0.skipped, $0.rejected]) })
        #expect(counts["ticket-fields"] == [3, 3, 0, 0])
        #expect(counts["user-fields"] == [3, 3, 0, 0])
        #expect(counts["organizations"] == [5, 5, 0, 0])
        #expect(counts["customers"] == [42, 35, 5, 2])
        // organization_memberships.json: 20 memberships (one customer in two organizations), one of a user
        // rejected for lack of an email; the users-based memberships only stand in when that file is missing.
        #expect(counts["memberships"] == [20, 19, 0, 1])
        #expect(counts["memberships-users"] == nil)
        #expect(counts["hc-categories"] == [3, 3, 0, 0])
        #expect(counts["hc-sections"] == [6, 6, 0, 0])
        #expect(counts["articles"] == [12, 12, 0, 0])
        #expect(counts["tickets"] == [30, 30, 0, 0])
        #expect(counts["business-hours"] == [1, 1, 0, 0])
        #expect(counts["statuses"] == [6, 1, 5, 0])
        #expect(counts["customers-csv"] == nil && counts["tickets-csv"] == nil, "CSV mappings stand in only when JSON is missing")
        #expect(run.summary.entities.allSatisfy { $0.reconciles })
        // Every reject names its file:line, entity, field and reason.
        #expect(run.rejects.count == 3)
        #expect(run.rejects.allSatisfy { ($0["location"]?.stringValue ?? "").contains(".json:") && $0["reason"]?.stringValue != nil })
        // A record of a one-line or multi-record page is named by its JSON pointer, not only its line.
        #expect(run.rejects.allSatisfy { ($0["location"]?.stringValue ?? "").contains(" /") }, "\(run.rejects)")
    }

    @Test func ticketsStatusesRequestersAssigneesAndThreads() async throws {
        let run = try await PlannedRun.run(exportDir: PlannedRun.sample)
        let source = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: PlannedRun.sample + "/tickets.json"))) as! [String: Any]
        let zendeskTickets = source["tickets"] as! [[String: Any]]
        let statusMap = ["new": "new", "open": "open", "pending": "pending", "hold": "pending", "solved": "resolved", "closed": "closed"]
        for zt in zendeskTickets {
            let id = String(zt["id"] as! Int)
            let t = try #require(run.ticket(id))
            #expect(t["status"]?.stringValue == statusMap[zt["status"] as! String], "ticket \(id)")
            #expect(t["createdAt"]?.stringValue == zt["created_at"] as? String)
        }
        // Missing subject → placeholder; a null priority is not invented (cStar's default applies, and the summary
        // counts it); type kept as a tag.
        #expect(run.ticket("27")?["title"] == .string("(no subject)"))
        #expect(run.ticket("28")?["priority"] == nil)
        #expect(run.summary.entities.first { $0.entity == "tickets" }?.notes.first { $0.key.contains("without a priority") }?.value == 1)
        #expect(run.ticket("1")?["tags"]?.arrayValue?.contains(.string("type:question")) == true)
        // The duplicate account's ticket goes to the first account's customer.
        #expect(run.ticket("11")?["customerId"] == .string("@customers:36100000005"))
        // A phone-only requester (no customer) keeps the ticket attributable by name; a dangling one is named by id.
        #expect(run.ticket("28")?["customerId"] == nil)
        #expect(run.ticket("28")?["customerName"] == .string("Carlos Mendoza"))
        #expect(run.ticket("3")?["customerName"] == .string("Unknown requester (Zendesk user 36099998877)"))
        // Agents are assigned by email against cStar members; an unknown agent leaves it empty.
        #expect(run.ticket("1")?["assignedTo"] == .string("mem_alex.agent"))
        #expect(run.ticket("3")?["assignedTo"] == nil)
        #expect(run.ticket("1")?["customFields"]?["order_number"] == .string("NW-100187"))
        // Threads: every comment once, in order, author role → sender, private → internal.
        let messages = run.payloads("tickets").flatMap { $0["messages"]?.arrayValue ?? [] }
        #expect(messages.count == 100)
        #expect(messages.filter { $0["isInternal"] == .bool(true) }.count == 17)
        #expect(messages.filter { $0["isInternal"] == .bool(true) }.allSatisfy { $0["sender"] == .string("agent") })
        let first = try #require(run.ticket("1")?["messages"]?.arrayValue)
        #expect(first.first?["sender"] == .string("customer"))
        #expect(first.first?["content"]?.stringValue?.hasPrefix("Hi Northwind team,\n\nWe're outfitting") == true)
        #expect(first.map { $0["createdAt"]?.stringValue ?? "" } == first.map { $0["createdAt"]?.stringValue ?? "" }.sorted())
    }

    @Test func bothCommentLayoutsGiveTheSameTickets() async throws {
        let joined = try await PlannedRun.run(exportDir: PlannedRun.sample)
        let inlineDir = try PlannedRun.sampleSubset(["tickets.ndjson", "users.json"])
        let inline = try await PlannedRun.run(exportDir: inlineDir)
        #expect(inline.entity("tickets")?.files.first?.hasSuffix("tickets.ndjson") == true)
        #expect(inline.payloads("tickets").count == 30)
        for t in joined.payloads("tickets") {
            let other = try #require(inline.payloads("tickets").first { $0["externalId"] == t["externalId"] })
            #expect(other["messages"] == t["messages"], "ticket \(t["externalId"]?.stringValue ?? "")")
            #expect(other["customerName"] == t["customerName"])
        }
    }

    @Test func theCSVExportsAreCoveredToo() async throws {
        let dir = try PlannedRun.sampleSubset(["tickets.csv", "users.csv"])
        let run = try await PlannedRun.run(exportDir: dir)
        #expect(run.entity("customers-csv").map { [$0.read, $0.created, $0.skipped, $0.rejected] } == [42, 35, 5, 2])
        let tickets = try #require(run.entity("tickets-csv"))
        #expect(tickets.read == 30 && tickets.created == 30 && tickets.reconciles)
        let t = try #require(run.payloads("tickets-csv").first { $0["externalId"] == .string("1") })
        #expect(t["status"] == .string("closed"))
        #expect(t["createdAt"] == .string("2025-02-03T15:12:00Z"))
        #expect(t["tags"]?.arrayValue?.contains(.string("type:question")) == true)
        #expect(run.payloads("tickets-csv").filter { $0["status"] == .string("pending") }.count == 7, "Pending and Hold")
    }

    @Test func helpCenterCustomFieldsAndSettings() async throws {
        let run = try await PlannedRun.run(exportDir: PlannedRun.sample)
        let reason = try #require(run.payloads("ticket-fields").first { $0["key"] == .string("reason_for_contact") })
        #expect(reason["type"] == .string("select"))
        #expect(reason["options"]?.arrayValue?.count == 5)
        #expect(run.payloads("user-fields").map { $0["key"]?.stringValue ?? "" } == ["loyalty_tier", "newsletter", "birthday"])
        let articles = run.payloads("articles")
        #expect(articles.filter { $0["status"] == .string("draft") }.count == 2)
        #expect(articles.allSatisfy { !($0["content"]?.stringValue ?? "<").contains("<p>") })
        #expect(articles.allSatisfy { ($0["categoryId"]?.stringValue ?? "").hasPrefix("@hc-sections:") })
        let hours = try #require(run.payloads("business-hours").first)
        #expect(hours["timezone"] == .string("America/New_York"))
        #expect(hours["schedule"]?["monday"] == .object(JSONObject([("enabled", .bool(true)), ("start", .string("09:00")), ("end", .string("17:00"))])))
        #expect(hours["schedule"]?["sunday"]?["enabled"] == .bool(false))
        #expect(run.payloads("statuses").map { $0["key"]?.stringValue ?? "" } == ["awaiting_supplier"])
        let groups = run.payloads("organizations")
        // A dropdown organization field arrives as its option name (organization_fields.json), not its tag.
        #expect(groups.first?["customFields"]?["plan_tier"] == .string("Gold"))
        #expect(Set(run.payloads("memberships").map { $0["groupId"]?.stringValue ?? "" }).allSatisfy { $0.hasPrefix("@organizations:") })
    }

    /// Users side-loaded into ticket pages (`?include=users,organizations`), a user met again on a later page of an
    /// incremental export (its latest version wins), and users deleted in Zendesk (`active: false`) or suspended.
    @Test func sideLoadedUsersLatestVersionsAndDeletedUsers() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sideload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let user = { (id: Int, email: String, role: String, extra: String) in
            #"{"id":\#(id),"name":"User \#(id)","email":"\#(email)","role":"\#(role)","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"\#(extra)}"#
        }
        // Two incremental pages of tickets, each with the users and organizations it names side-loaded.
        let ticket = { (id: Int, requester: Int) in
            #"{"id":\#(id),"subject":"T\#(id)","description":"d","status":"open","priority":"normal","requester_id":\#(requester),"submitter_id":\#(requester),"assignee_id":8,"organization_id":12,"tags":[],"custom_fields":[],"via":{"channel":"web"},"created_at":"2024-01-0\#(id)T00:00:00Z","updated_at":"2024-01-0\#(id)T00:00:00Z"}"#
        }
        let org = #"{"id":12,"name":"Acme","details":"","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#
        // The agent, side-loaded from an old snapshot as an end-user: the newer copy of the user files wins.
        let staleAgent = user(8, "andy@old.example", "end-user", "").replacingOccurrences(of: #""updated_at":"2024-01-01T00:00:00Z""#, with: #""updated_at":"2023-01-01T00:00:00Z""#)
        try write("incremental_tickets_1.json", #"{"tickets":[\#(ticket(1, 7))],"users":[\#(user(7, "rita@example.com", "end-user", #","organization_id":12"#)),\#(staleAgent)],"organizations":[\#(org)],"after_cursor":"x","end_of_stream":false}"#)
        try write("incremental_tickets_2.json", #"{"tickets":[\#(ticket(2, 7))],"users":[\#(user(7, "rita@example.com", "end-user", #","organization_id":12"#))],"organizations":[\#(org)],"after_cursor":null,"end_of_stream":true}"#)
        try write("ticket_comments.json", #"{"comments":[{"id":100,"ticket_id":1,"author_id":7,"body":"Help","public":true,"created_at":"2024-01-01T00:00:00Z"},{"id":101,"ticket_id":1,"author_id":8,"body":"On it","public":true,"created_at":"2024-01-01T01:00:00Z"}]}"#)
        // An incremental user export: user 9 changed email and was suspended later; user 10 was deleted, 11 suspended.
        try write("users-1.json", #"{"users":[\#(user(9, "old@example.com", "end-user", #","suspended":false"#)),\#(user(10, "gone@example.com", "end-user", #","active":false,"suspended":false"#)),\#(user(8, "andy@acme.example", "agent", ""))]}"#)
        try write("users-2.json", #"{"users":[\#(user(9, "new@example.com", "end-user", #","suspended":true,"updated_at":"2024-06-01T00:00:00Z""#).replacingOccurrences(of: #","updated_at":"2024-01-01T00:00:00Z""#, with: "")),\#(user(11, "paused@example.com", "end-user", #","active":true,"suspended":true"#))]}"#)

        let run = try await PlannedRun.run(exportDir: dir.path)
        for e in run.summary.entities { #expect(e.read == e.created + e.updated + e.skipped + e.rejected + e.failed, "\(e.entity)") }
        let customers = Dictionary(run.payloads("customers").map { ($0["email"]?.stringValue ?? "?", $0["status"]?.stringValue ?? "?") }, uniquingKeysWith: { a, _ in a })
        #expect(customers == ["rita@example.com": "active", "new@example.com": "inactive", "gone@example.com": "inactive", "paused@example.com": "inactive"])
        #expect(run.payloads("organizations").compactMap { $0["name"]?.stringValue } == ["Acme"])
        let t1 = try #require(run.ticket("1"))
        #expect(t1["customerName"] == .string("User 7"))
        #expect(t1["messages"]?.arrayValue?.map { $0["sender"]?.stringValue } == ["customer", "agent"])
        #expect(run.payloads("tickets").count == 2)
        #expect(t1["metadata"]?["assigneeEmail"] == .string("andy@acme.example"), "the agent as the user files have it, not the stale side-load")
    }

    /// Ticket pages that could side-load users do not stand in for the users CSV: the CSV is still read.
    @Test func aUsersCSVBesideTicketPagesIsStillRead() async throws {
        let run = try await PlannedRun.run(exportDir: try PlannedRun.sampleSubset(["users.csv", "tickets.json", "ticket_comments.json"]))
        let csv = try #require(run.entity("customers-csv"))
        #expect(csv.created > 30, "the users CSV's end-users become customers")
        #expect(run.entity("customers")?.read == 0, "no ticket page side-loads users here")
        #expect(run.ticket("1")?["customerName"]?.stringValue?.hasPrefix("Unknown requester") == false)
    }
}
