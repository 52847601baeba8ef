import CStarIO
import Testing

/// Routes and bases of the API (Client/CStarAPI.swift).
@Suite("API routes")
struct CStarAPITests {
    @Test func teamIdsComeFromTeamBaseURLs() {
        #expect(CStarAPI.teamId(baseURL: CStarAPI.teamBase(origin: "https://x.test", teamId: "tm_1")) == "tm_1")
        #expect(CStarAPI.teamId(baseURL: "https://x.test/api/v1/teams/tm_2/customers") == "tm_2")
        #expect(CStarAPI.teamId(baseURL: "https://x.test/api/v1/teams/") == nil)
        #expect(CStarAPI.teamId(baseURL: "https://x.test") == nil)
    }
}
