import CStarSandbox
import Foundation
import Testing

@Suite("Sandbox: authentication, envelopes and errors")
struct AuthAndEnvelopeTests {
    @Test func whoamiReturnsTheDocumentedEnvelope() async throws {
        let h = try await SandboxHarness.start(http: true)
        defer { Task { await h.stop() } }
        let a = try await h.request(.GET, "/api/v1/auth/whoami")
        #expect(a.status == 200)
        #expect(a.json["success"] as? Bool == true)
        #expect(a.dataObject["teamId"] as? String == h.team.id)
        #expect(a.dataObject["keyType"] as? String == "secret")
        let meta = try #require(a.json["meta"] as? [String: Any])
        #expect((meta["requestId"] as? String)?.hasPrefix("req_") == true)
        #expect(meta["timestamp"] is String)
        // Key order follows the documented example: success, data, meta.
        #expect(a.text.hasPrefix("{\"success\":true,\"data\":{"))
    }

    @Test func missingAuthorizationIsAuthenticationRequired() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let a = try await h.request(.GET, "/customers", useDefaultKey: false)
        #expect(a.status == 401)
        #expect(a.json["success"] as? Bool == false)
        #expect(a.error["type"] as? String == "authentication_error")
        #expect(a.errorCode == "authentication_required")
        #expect((a.error["request_id"] as? String)?.hasPrefix("req_") == true)
        #expect((a.error["doc_url"] as? String)?.hasSuffix("#authentication_required") == true)
        #expect((a.json["meta"] as? [String: Any])?["timestamp"] is String)
    }

    @Test(arguments: [("bogus_key_123456789", "invalid_key_format"), ("sk_test_doesnotexist000000000000", "invalid_api_key")])
    func badKeysAreRefused(key: String, code: String) async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let a = try await h.request(.GET, "/customers", key: key)
        #expect(a.status == 401)
        #expect(a.errorCode == code)
    }

    @Test func publishableKeysReadButDoNotWrite() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let pk = h.team.publishableKey
        #expect(try await h.request(.GET, "/customers", key: pk).status == 200)
        let write = try await h.request(.POST, "/customers", key: pk, json: ["name": "A", "email": "a@example.com"])
        #expect(write.status == 403)
        #expect(write.errorCode == "publishable_key_write")
        for (method, path) in [("POST", "/import"), ("POST", "/export"), ("POST", "/bulk"), ("GET", "/settings")] {
            let a = try await h.request(.init(rawValue: method), path, key: pk, json: method == "POST" ? [:] : nil)
            #expect(a.status == 403, "\(method) \(path)")
            #expect(a.errorCode == "insufficient_permissions", "\(method) \(path)")
            #expect(a.error["message"] as? String == "Secret key required for this endpoint")
        }
    }

    @Test func teamsAreIsolated() async throws {
        let h = try await SandboxHarness.start { $0.teams = 2 }
        defer { Task { await h.stop() } }
        let other = h.teams[1]
        _ = try await h.request(.POST, "/customers", json: ["name": "Team A person", "email": "a-only@example.com"])
        // Team B's key on team A's path.
        let denied = try await h.request(.GET, "/customers", key: other.secretKey)
        #expect(denied.status == 403)
        #expect(denied.errorCode == "team_access_denied")
        // Team B's own path sees none of team A's data, and cannot reach A's records by id.
        let list = try await h.request(.GET, "/api/v1/teams/\(other.id)/customers", key: other.secretKey)
        #expect(list.status == 200)
        #expect(list.dataArray.isEmpty)
        let aList = try await h.request(.GET, "/customers")
        let aId = try #require(aList.dataArray.first?["id"] as? String)
        let cross = try await h.request(.GET, "/api/v1/teams/\(other.id)/customers/\(aId)", key: other.secretKey)
        #expect(cross.status == 404)
        #expect(cross.errorCode == "RESOURCE_MISSING")
        // The same email is free in the other team.
        let dup = try await h.request(.POST, "/api/v1/teams/\(other.id)/customers", key: other.secretKey, json: ["name": "B", "email": "a-only@example.com"])
        #expect(dup.status == 201)
    }

    @Test func unknownIdsAndRoutesAre404() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let missing = try await h.request(.GET, "/customers/cus_00000000000000000000000000000000")
        #expect(missing.status == 404)
        #expect(missing.error["type"] as? String == "not_found_error")
        #expect(missing.errorCode == "RESOURCE_MISSING")
        let route = try await h.request(.GET, "/no-such-thing")
        #expect(route.status == 404)
        #expect(route.error["type"] as? String == "not_found_error")
    }

    @Test func malformedJSONAndWrongTypesName400WithParam() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let bad = try await h.request(.POST, "/customers", raw: "{\"name\": \"x\", ")
        #expect(bad.status == 400)
        #expect(bad.errorCode == "invalid_json")
        let wrong = try await h.request(.POST, "/customers", json: ["name": "x", "email": "x@example.com", "tags": "not-an-array"])
        #expect(wrong.status == 400)
        #expect(wrong.error["param"] as? String == "tags")
        let missing = try await h.request(.POST, "/customers", json: ["email": "x@example.com"])
        #expect(missing.status == 400)
        #expect(missing.errorCode == "parameter_missing")
        #expect(missing.error["param"] as? String == "name")
        let badEnum = try await h.request(.POST, "/tickets", json: ["title": "t", "customerName": "n", "status": "hold"])
        #expect(badEnum.status == 400)
        #expect(badEnum.error["param"] as? String == "status")
    }

    @Test func customerEmailIsUniqueIgnoringCase() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        #expect(try await h.request(.POST, "/customers", json: ["name": "A", "email": "Jane@Example.com"]).status == 201)
        let dup = try await h.request(.POST, "/customers", json: ["name": "B", "email": "jane@example.COM"])
        #expect(dup.status == 409)
        #expect(dup.error["param"] as? String == "email")
    }
}
