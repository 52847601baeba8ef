import CStarSandbox
import Foundation
import Testing

@Suite("Sandbox: concurrent requests")
struct ConcurrencyTests {
    @Test func concurrentImportsAndIdempotentRetriesApplyOnce() async throws {
        let h = try await SandboxHarness.start(http: true)
        defer { Task { await h.stop() } }
        // 10 different batches, each sent 3 times at once with its own key: 10 × 50 customers, no more.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for batch in 0..<10 {
                let object: [String: Any] = ["resource": "customers", "records": SandboxHarness.customers(50, prefix: "b\(batch)-")]
                let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                for _ in 0..<3 {
                    group.addTask {
                        let a = try await h.request(.POST, "/import", raw: body, headers: [("Idempotency-Key", "batch-\(batch)")])
                        return a.dataObject["created"] as? Int ?? -1
                    }
                }
            }
            for try await created in group { #expect(created == 50, "every copy sees the first answer") }
        }
        #expect(try h.api.store.count(resource: "customers", teamId: h.team.id) == 500)
    }

    @Test func articlesMatchOnExternalIdAndSlug() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let first = try await h.request(.POST, "/import", json: ["resource": "articles", "records": [
            ["title": "Returns policy", "content": "30 days", "externalId": "zd-art-1"],
            ["title": "Shipping", "slug": "shipping", "content": "Fast"],
        ]])
        #expect(first.dataObject["created"] as? Int == 2)
        let second = try await h.request(.POST, "/import", json: ["resource": "articles", "records": [
            ["title": "Returns policy (copy)", "externalId": "zd-art-1"],
            ["title": "Shipping again", "slug": "SHIPPING"],
        ]])
        #expect(second.dataObject["skipped"] as? Int == 2)
        let list = try await h.request(.GET, "/articles")
        #expect(list.dataArray.map { $0["slug"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == ["returns-policy", "shipping"])
    }
}
