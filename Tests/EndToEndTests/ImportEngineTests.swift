import CStarSandbox
import Foundation
import Testing

/// The import engine against a sandbox that refuses, splits and loses: refused records are isolated and the rest
/// delivered, oversized requests are split (down to a single ticket's thread), and a read-back that finds less
/// than was delivered fails the run.
@Suite("End to end: isolating refused records, splitting large requests, reconciling with cStar", .serialized)
struct ImportEngineTests {
    static func writeJSON(_ object: Any, to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    /// `users` end-users; those at `badEmails` have an address cStar refuses (the mapping passes it through).
    static func writeUsers(to dir: URL, users: Int, badEmails: Set<Int> = []) throws {
        let rows: [[String: Any]] = (1...users).map { i in
            ["id": 1000 + i, "name": "User \(i)", "email": badEmails.contains(i) ? "user\(i)-at-example.com" : "user\(i)@example.com",
             "role": "end-user"]
        }
        try writeJSON(["users": rows, "next_page": NSNull(), "count": rows.count], to: dir.appendingPathComponent("users.json"))
    }

    /// Tickets 1...count (API pages) with `messages(t)` comments each, by the ticket's requester; comment c of
    /// ticket t says `body(t, c)`. Timestamps follow the order.
    static func writeTickets(to dir: URL, count: Int, requester: (Int) -> Int, messages: (Int) -> Int, body: (Int, Int) -> String) throws {
        var tickets: [[String: Any]] = []
        var comments: [[String: Any]] = []
        for t in 1...count {
            tickets.append(["id": t, "subject": "Ticket \(t)", "status": "open", "priority": "normal", "requester_id": requester(t),
                            "created_at": String(format: "2025-02-01T10:%02d:00Z", t)])
            for c in 0..<messages(t) {
                comments.append(["ticket_id": t, "id": t * 1000 + c, "author_id": requester(t), "public": true, "body": body(t, c),
                                 "created_at": String(format: "2025-02-01T11:%02d:%02dZ", c / 60, c % 60)])
            }
        }
        try writeJSON(["tickets": tickets, "next_page": NSNull(), "count": tickets.count], to: dir.appendingPathComponent("tickets.json"))
        try writeJSON(["comments": comments], to: dir.appendingPathComponent("ticket_comments.json"))
    }

    static func migrate(_ export: URL, server: SandboxServer, state: URL, extra: [String] = []) async throws -> (CLIProcess.Result, [String: Any]) {
        let result = try await CLIProcess.run(["migrate", export.path, "--api-url", server.baseURL(for: server.team), "--json",
                                               "--state-dir", state.path] + extra,
                                              env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        let summary = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
        return (result, summary)
    }

    static func entity(_ summary: [String: Any], _ name: String) -> [String: Any] {
        (summary["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == name } ?? [:]
    }

    static func rejects(_ state: URL) throws -> [[String: Any]] {
        let text = (try? String(contentsOf: state.appendingPathComponent("rejects.ndjson"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(.timeLimit(.minutes(5)))
    func aServerThatRefusesWholeRequestsLosesNoGoodRecord() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        let bad: Set<Int> = [3, 250, 499, 500, 501, 777, 1100]
        try Self.writeUsers(to: export, users: 1100, badEmails: bad)

        var outcomes: [SandboxConfiguration.ImportErrorMode: (created: Int, rejected: Int, requests: Int, emails: Set<String>, rejectedEmails: Set<String>)] = [:]
        for mode in SandboxConfiguration.ImportErrorMode.allCases {
            var config = SandboxConfiguration()
            config.importErrors = mode
            let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("\(mode.rawValue).sqlite").path, port: 0, configuration: config)
            defer { Task { await server.stop() } }
            let state = dir.appendingPathComponent("state-\(mode.rawValue)")
            let (result, summary) = try await Self.migrate(export, server: server, state: state)
            #expect(result.status == 3, "finished with rejects (\(mode)): \(result.stderr)")
            let customers = Self.entity(summary, "customers")
            let emails = Set(try await SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey).all("/customers")
                .compactMap { $0["email"] as? String })
            let rejected = try Self.rejects(state)
            #expect(rejected.allSatisfy { $0["code"] as? String == "parameter_invalid" && $0["field"] as? String == "email" },
                    "each reject names cStar's reason and the field: \(rejected.prefix(2))")
            let reconciliation = customers["reconciliation"] as? [String: Any]
            #expect(reconciliation?["matches"] as? Bool == true, "read back: every delivered customer is in cStar (\(mode))")
            outcomes[mode] = (customers["created"] as? Int ?? -1, customers["rejected"] as? Int ?? -1, summary["requests"] as? Int ?? -1, emails,
                              Set(rejected.compactMap { ($0["record"] as? [String: Any])?["email"] as? String }))
        }
        let perRecord = try #require(outcomes[.perRecord])
        let whole = try #require(outcomes[.wholeRequest])
        let expectedEmails = Set((1...1100).filter { !bad.contains($0) }.map { "user\($0)@example.com" })
        for o in [perRecord, whole] {
            #expect(o.created == 1093)
            #expect(o.rejected == 7)
            #expect(o.emails == expectedEmails, "every good customer delivered, no bad one")
        }
        // Isolating by the refusal's `records[i]` costs one more request per refused record, not a split per record.
        #expect(perRecord.rejectedEmails.count == 7 && perRecord.rejectedEmails == whole.rejectedEmails, "the same records")
        #expect(whole.requests > perRecord.requests)
        #expect(whole.requests <= perRecord.requests + bad.count, "requests: \(whole.requests) vs \(perRecord.requests)")
    }

    @Test(.timeLimit(.minutes(5)))
    func requestsTooLargeAreSplitDownToOneTicketsThread() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try Self.writeUsers(to: export, users: 20)
        let filler = String(repeating: "lorem ipsum ", count: 170)  // about 2 KB per message
        try Self.writeTickets(to: export, count: 41, requester: { 1000 + ($0 % 20) + 1 }, messages: { $0 == 41 ? 80 : 5 },
                              body: { t, c in "Message \(c) of ticket \(t): \(filler)" })

        var config = SandboxConfiguration()
        config.maxBodyBytes = 64 * 1024  // ticket 41's thread alone is about 160 KB
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0, configuration: config)
        defer { Task { await server.stop() } }
        let (result, summary) = try await Self.migrate(export, server: server, state: dir.appendingPathComponent("state"))
        #expect(result.status == 0, "\(result.stderr)")
        let ticketSummary = Self.entity(summary, "tickets")
        #expect(ticketSummary["created"] as? Int == 41)
        #expect((ticketSummary["reconciliation"] as? [String: Any])?["matches"] as? Bool == true, "every thread complete when read back")

        let contents = try await TeamContents.read(SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey))
        #expect(contents.tickets.count == 41 && contents.tickets.values.allSatisfy { $0 == 1 }, "each ticket once")
        let big = try #require(contents.messages["41"])
        #expect(big.count == 80, "the whole thread arrived")
        #expect(big == (0..<80).map { "Message \($0) of ticket 41: \(filler)" }, "in its original order")
        #expect(contents.messages.filter { $0.key != "41" }.values.allSatisfy { $0.count == 5 })
        // The messages that followed the ticket kept their original timestamps.
        let reader = SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey)
        let ticket = try #require(try await reader.all("/tickets").first { $0["externalId"] as? String == "41" })
        let thread = try await reader.get("/tickets/\(ticket["id"] as? String ?? "")/messages")["data"] as? [[String: Any]] ?? []
        #expect(thread.last?["createdAt"] as? String == "2025-02-01T11:01:19.000Z" || thread.last?["createdAt"] as? String == "2025-02-01T11:01:19Z",
                "last message: \(thread.last?["createdAt"] ?? "none")")
    }

    /// A message cStar refuses in a thread sent one message at a time: the ticket is delivered with the messages
    /// before it, the rest are reported as rejected children, and the read-back expects exactly what was delivered.
    @Test(.timeLimit(.minutes(5)))
    func aRefusedMessageInASplitThreadLeavesTheTicketDeliveredAndTheRestReported() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try Self.writeUsers(to: export, users: 3)
        let filler = String(repeating: "lorem ipsum ", count: 170)  // about 2 KB per message
        let huge = String(repeating: "x", count: 100_000)            // over the sandbox's request limit on its own
        try Self.writeTickets(to: export, count: 3, requester: { _ in 1001 }, messages: { $0 == 3 ? 80 : 2 },
                              body: { t, c in t == 3 && c == 60 ? huge : "Message \(c) of ticket \(t): \(filler)" })

        var config = SandboxConfiguration()
        config.maxBodyBytes = 64 * 1024
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0, configuration: config)
        defer { Task { await server.stop() } }
        let state = dir.appendingPathComponent("state")
        let (result, summary) = try await Self.migrate(export, server: server, state: state)
        #expect(result.status == 3, "messages were rejected: \(result.stderr)")
        let ticketSummary = Self.entity(summary, "tickets")
        #expect(ticketSummary["read"] as? Int == 3)
        #expect(ticketSummary["created"] as? Int == 3, "the ticket with the refused message exists")
        #expect(ticketSummary["rejected"] as? Int == 0)
        #expect(ticketSummary["childRejected"] as? Int == 20, "message 61 and the 19 after it")
        #expect((ticketSummary["reconciliation"] as? [String: Any])?["matches"] as? Bool == true, "the read-back expects the 60 messages delivered")
        let contents = try await TeamContents.read(SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey))
        #expect(contents.messages["3"]?.count == 60)
        let reject = try #require(try Self.rejects(state).first { $0["code"] as? String == "thread_incomplete" })
        #expect((reject["reason"] as? String)?.contains("60 of 80 messages: message 61 was refused") == true, "\(reject)")

        // Run again (a new run, the first finished): the tickets are there, nothing is sent twice, and the thread
        // stays as it was.
        let (again, againSummary) = try await Self.migrate(export, server: server, state: state)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.entity(againSummary, "tickets")["created"] as? Int == 0)
        let after = try await TeamContents.read(SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey))
        #expect(after.tickets.count == 3 && after.messages["3"]?.count == 60)
    }

    @Test(.timeLimit(.minutes(5)))
    func aServerThatLosesRecordsFailsTheRun() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try Self.writeUsers(to: export, users: 400)
        var config = SandboxConfiguration()
        config.loseEveryNthImport = 40
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0, configuration: config)
        defer { Task { await server.stop() } }
        let (result, summary) = try await Self.migrate(export, server: server, state: dir.appendingPathComponent("state"))
        let held = try await SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey).all("/customers").count
        #expect(held < 400, "the fault lost some records (\(held) held)")
        #expect(result.status == 4, "a difference with cStar exits 4: \(result.stderr)")
        let check = try #require(Self.entity(summary, "customers")["reconciliation"] as? [String: Any])
        #expect(Self.entity(summary, "customers")["created"] as? Int == 400, "cStar acknowledged every record")
        #expect(check["expected"] as? Int == 400)
        #expect(check["found"] as? Int == held, "the read-back counts what cStar really holds")
        #expect(check["matches"] as? Bool == false)
        #expect((check["missingSample"] as? [String])?.isEmpty == false)
        #expect(summary["reconciled"] as? Bool == false)
    }
}
