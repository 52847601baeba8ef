import CStarIO
import CStarSandbox
import Foundation
import Testing

/// The built-in Freshdesk, Help Scout, Intercom, Front, HubSpot, Zoho Desk, Crisp and LiveAgent sets, each run on its sample (`Samples/<helpdesk>`: one made-up
/// support history written in that vendor's API shapes, one response per file), migrated into a sandbox over HTTP and
/// compared field by field with the sample's `expected.json` (written by `Samples/make_helpdesk_samples.py` from the
/// scenario and each vendor's documented value tables, independently of the mapping sets).
@Suite("End to end: Freshdesk, Help Scout, Intercom, Front, HubSpot, Zoho Desk, Crisp and LiveAgent sets", .serialized)
struct HelpdeskSetsTests {
    static func instant(_ s: String?) -> Date? { ZendeskLayoutsTests.instant(s) }

    /// A JSON value from the sandbox compared with one from expected.json (numbers and booleans by value: Foundation's
    /// parser does not tell them apart on Linux, so a boolean is also checked not to have arrived as a number).
    static func same(_ got: Any?, _ want: JSONValue) -> Bool {
        switch want {
        case .null: return got == nil || got is NSNull
        case .bool(let b): return (got as? NSNumber)?.boolValue == b && !(got is String)
        case .int(let i): return (got as? NSNumber)?.int64Value == i && !(got is String)
        case .double(let d): return (got as? NSNumber)?.doubleValue == d && !(got is String)
        case .string(let s): return got as? String == s
        case .array(let items):
            guard let list = got as? [Any], list.count == items.count else { return false }
            return zip(list, items).allSatisfy { same($0, $1) }
        case .object(let o):
            guard let dict = got as? [String: Any], dict.count == o.count else { return false }
            return zip(o.keys, o.values).allSatisfy { same(dict[$0], $1) }
        }
    }

    @Test(arguments: ["freshdesk", "helpscout", "intercom", "front", "hubspot", "zohodesk", "crisp", "liveagent"])
    func everyRecordAndMessageArrivesAsExpected(helpdesk: String) async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let run = try await CLIProcess.run(["migrate", "Samples/\(helpdesk)", "--from", helpdesk, "--api-url", base, "--json",
                                            "--state-dir", dir.appendingPathComponent("state").path],
                                           env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        let file = CLIProcess.repoRoot.appendingPathComponent("Samples/\(helpdesk)/expected.json")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        // A sample holding a contact without an email (rejected: cStar requires one) makes the run say so with exit 3;
        // Crisp keeps no profile without an email, so its run is clean.
        let rejectsContact = (expected["customers"] as? [String: [String: Any]] ?? [:]).values.contains { $0["rejected"] != nil }
        #expect(run.status == (rejectsContact ? 3 : 0), "\(run.stderr)")
        #expect(!run.stderr.contains("CSTAR_IO_MAPPINGS"), "the built-in set runs, not a folder on disk")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let entities = summary["entities"] as? [[String: Any]] ?? []
        #expect(!entities.isEmpty)
        for e in entities {
            let n = { (k: String) in e[k] as? Int ?? -1 }
            #expect(n("read") == n("created") + n("updated") + n("skipped") + n("rejected") + n("failed"), "\(e["entity"]!)")
            #expect(n("failed") == 0, "\(e["entity"]!)")
            let c = e["children"] as? [String: Int] ?? [:]
            #expect(c["read"] == (c["delivered"] ?? 0) + (c["rejected"] ?? 0) + (c["skipped"] ?? 0), "children of \(e["entity"]!)")
            #expect((c["rejected"] ?? 0) == 0, "no message of \(e["entity"]!) is lost")
        }

        // Read once more with CStarIO's parser, which tells booleans from numbers (Foundation's does not on Linux).
        let typed = try JSONParser.parse(Array(Data(contentsOf: file)))
        let api = SandboxReader(base: base, key: server.team.secretKey)

        // The summary counts what cStar cannot hold as the source had it (a missing priority, attachments as links).
        let ticketEntity = try #require(entities.first { $0["target"] as? String == "tickets" })
        let notes = ticketEntity["notes"] as? [String: Int] ?? [:]
        for (note, count) in expected["notes"] as? [String: Int] ?? [:] {
            #expect(notes[note] == count, "summary note '\(note)': \(notes)")
        }

        // Customers: every contact with an email, by email, named and stamped as in the source; the rest are not there.
        let customers = try await api.all("/customers")
        let byEmail = Dictionary(customers.map { (($0["email"] as? String ?? "").lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        let wantCustomers = expected["customers"] as? [String: [String: Any]] ?? [:]
        #expect(customers.count == wantCustomers.values.filter { $0["email"] != nil }.count, "one customer per distinct email")
        var customerIdByKey: [String: String] = [:]
        for (key, want) in wantCustomers.sorted(by: { $0.key < $1.key }) {
            guard let email = want["email"] as? String else {
                // Rejected (no email) or skipped (a second contact with the same email): not a customer of its own.
                #expect(!customers.contains { $0["name"] as? String == want["name"] as? String },
                        "contact \(key) is not a customer (\(want["rejected"] ?? want["skipped"] ?? "-"))")
                continue
            }
            let c = try #require(byEmail[email], "customer \(key) <\(email)>")
            #expect(c["name"] as? String == want["name"] as? String, "customer \(key) name")
            if let at = want["createdAt"] as? String {
                #expect(Self.instant(c["createdAt"] as? String) == Self.instant(at), "customer \(key) keeps its creation time")
            }
            if let fields = typed["customerFields"]?[key] {
                #expect(Self.same(c["customFields"], fields), "customer \(key) custom fields: \(c["customFields"] ?? "-")")
            }
            customerIdByKey[key] = c["id"] as? String
        }

        // Groups from companies, and who belongs where.
        let groups = try await api.all("/customer-groups")
        let wantGroups = expected["groups"] as? [String: [String: Any]] ?? [:]
        #expect(Set(groups.compactMap { $0["externalId"] as? String }) == Set(wantGroups.keys))
        var members: Set<String> = []
        for g in groups {
            let ext = g["externalId"] as? String ?? ""
            #expect(g["name"] as? String == wantGroups[ext]?["name"] as? String, "group \(ext) name")
            for c in try await api.all("/customer-groups/\(g["id"] as! String)/members") {
                members.insert("\(c["id"] as! String)|\(ext)")
            }
        }
        let wantMembers = (expected["memberships"] as? [[String]] ?? []).map { "\(customerIdByKey[$0[0]] ?? "?")|\($0[1])" }
        #expect(members == Set(wantMembers), "memberships")

        // Tickets, field by field, and every message once, in order, public/private and sender kept.
        let memberEmail = Dictionary(try await api.all("/members").map { ($0["id"] as? String ?? "", $0["email"] as? String ?? "") },
                                     uniquingKeysWith: { a, _ in a })
        let emailOfCustomer = Dictionary(customers.map { ($0["id"] as? String ?? "", ($0["email"] as? String ?? "").lowercased()) },
                                         uniquingKeysWith: { a, _ in a })
        let tickets = try await api.all("/tickets")
        let byExternal = Dictionary(tickets.map { ($0["externalId"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let wantTickets = expected["tickets"] as? [String: [String: Any]] ?? [:]
        #expect(tickets.count == wantTickets.values.filter { $0["skipped"] == nil }.count)
        for (id, want) in wantTickets.sorted(by: { $0.key < $1.key }) {
            if let reason = want["skipped"] {
                #expect(byExternal[id] == nil, "ticket \(id) is skipped (\(reason))")
                continue
            }
            let t = try #require(byExternal[id], "ticket \(id)")
            #expect(t["title"] as? String == want["title"] as? String, "ticket \(id) title")
            #expect(t["status"] as? String == want["status"] as? String, "ticket \(id) status")
            #expect(t["priority"] as? String == (want["priority"] as? String ?? "normal"), "ticket \(id): a missing priority takes cStar's default")
            #expect(Set(t["tags"] as? [String] ?? []) == Set(want["tags"] as? [String] ?? []), "ticket \(id) tags: \(t["tags"] ?? "-")")
            #expect(emailOfCustomer[t["customerId"] as? String ?? ""] == want["customerEmail"] as? String, "ticket \(id) customer")
            #expect(t["customerName"] as? String == want["customerName"] as? String, "ticket \(id) customer name")
            #expect(memberEmail[t["assignedTo"] as? String ?? ""] == want["assignedToEmail"] as? String, "ticket \(id) assignee")
            #expect(Self.instant(t["createdAt"] as? String) == Self.instant(want["createdAt"] as? String), "ticket \(id) keeps its creation time")
            let wantFields = try #require(typed["tickets"]?[id]?["customFields"], "ticket \(id) custom fields in expected.json")
            #expect(Self.same(t["customFields"], wantFields), "ticket \(id) custom fields: \(t["customFields"] ?? "-")")
            for fragment in want["notesContain"] as? [String] ?? [] {
                #expect((t["notes"] as? String ?? "").contains(fragment), "ticket \(id) notes keep '\(fragment)'")
            }
            let thread = try await api.list("/tickets/\(t["id"] as! String)/messages")
            let wantMessages = want["messages"] as? [[String: Any]] ?? []
            #expect(thread.count == wantMessages.count, "ticket \(id): every message once")
            for (i, (got, message)) in zip(thread, wantMessages).enumerated() {
                #expect(got["isInternal"] as? Bool == message["internal"] as? Bool, "ticket \(id) message \(i) public/private")
                #expect(got["sender"] as? String == message["sender"] as? String, "ticket \(id) message \(i) sender")
                #expect(Self.instant(got["createdAt"] as? String) == Self.instant(message["createdAt"] as? String), "ticket \(id) message \(i) order and time")
                let content = got["content"] as? String ?? ""
                for fragment in message["contains"] as? [String] ?? [] {
                    #expect(content.contains(fragment), "ticket \(id) message \(i) keeps '\(fragment)': \(content)")
                }
            }
        }
    }

    /// Each sample's expected.json is what its generator writes: samples and expectations cannot drift apart.
    @Test func samplesAreCurrent() async throws {
        let run = try await CLIProcess.offPool { () -> (Int32, String)? in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "Samples/make_helpdesk_samples.py", "--check"]
            p.currentDirectoryURL = CLIProcess.repoRoot
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            do { try p.run() } catch { return nil }  // no Python on this machine: nothing to compare with
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        guard let (status, text) = run else { return }
        #expect(status == 0, "\(text)")
    }
}
