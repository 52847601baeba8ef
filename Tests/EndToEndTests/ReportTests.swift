import Foundation
import Testing

/// The HTML report of the README's sample run, rendered by a real browser (headless Chromium): the page holds the
/// run's numbers, needs nothing from outside, and `cstar-io report RUN-ID` writes the same page later.
@Suite("End to end: the HTML report in headless Chromium", .serialized)
struct ReportTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs Chromium headless on the file; returns its stdout (`--dump-dom`) or writes the screenshot.
    static func chromium(_ args: [String], file: URL, profile: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium!)
        // As root (CI containers) Chromium needs --no-sandbox; no network is needed or allowed to be used.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)",
                       "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1100,2200"] + args + [file.absoluteString]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var data = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        group.wait()
        return String(decoding: data, as: UTF8.self)
    }

    static func value(_ dom: String, _ pattern: String) -> Int? {
        guard let r = dom.range(of: pattern, options: .regularExpression) else { return nil }
        let digits = dom[r].reversed().drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (apt-get install -y chromium; .ci/run installs it): the report is not rendered"),
          .timeLimit(.minutes(4)))
    func theSampleRunsReportRendersWithItsNumbers() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        let file = dir.appendingPathComponent("report.html")
        let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--report", file.path, "--json", "--state-dir", state])
        #expect(run.status == 3, "\(run.stderr.suffix(500))")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["report"] as? String == file.path)
        let html = try String(contentsOf: file, encoding: .utf8)
        for external in ["src=", "href=", "url(", "@import", "<script", "<link", "<iframe"] {
            #expect(!html.contains(external), "the report is self-contained: it holds \(external)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the report holds customer data: private")

        let entities = try #require(summary["entities"] as? [[String: Any]])
        let dom = try await CLIProcess.offPool { try Self.chromium(["--dump-dom"], file: file, profile: dir.appendingPathComponent("chromium")) }
        #expect(dom.contains("id=\"entities\""), "Chromium rendered the page: \(dom.prefix(300))")
        for e in entities {
            let name = try #require(e["entity"] as? String)
            for kind in ["read", "created", "skipped", "rejected"] {
                let shown = Self.value(dom, #"data-entity="\#(name)"><td>[^<]*</td><td>[^<]*</td>(<td[^>]*>\d+</td>)*?<td class="num" data-kind="\#(kind)">\d+"#)
                #expect(shown == e[kind] as? Int, "\(name) \(kind): the page shows \(shown.map(String.init) ?? "nothing"), the run says \(e[kind] ?? "-")")
            }
        }
        let created = entities.reduce(0) { $0 + ($1["created"] as? Int ?? 0) }
        #expect(Self.value(dom, #"id="total-created">\d+"#) == created)
        #expect(Self.value(dom, #"data-kind="requests">\d+"#) == summary["requests"] as? Int)
        #expect(Self.value(dom, #"data-kind="minimum">\d+"#) == summary["minimumRequests"] as? Int)
        // The sample's two phone-only users: their reason and file:line.
        #expect(dom.contains("id=\"rejects\"") && dom.contains("users.json:"), "rejects with their file:line")
        #expect(dom.contains("id=\"coverage\""), "the fields left behind")
        #expect(dom.contains("id=\"readback\"") && dom.contains("all there"))
        #expect(dom.contains("<svg id=\"timeline\""))

        let png = dir.appendingPathComponent("report.png")
        _ = try await CLIProcess.offPool { try Self.chromium(["--screenshot=\(png.path)", "--hide-scrollbars"], file: file, profile: dir.appendingPathComponent("chromium")) }
        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 20_000, "a real screenshot: \(image.count) bytes")
        if ProcessInfo.processInfo.environment["CSTAR_IO_UPDATE_DOCS"] == "1" {
            _ = try? FileManager.default.removeItem(at: CLIProcess.repoRoot.appendingPathComponent("docs/report-sample.png"))
            try FileManager.default.copyItem(at: png, to: CLIProcess.repoRoot.appendingPathComponent("docs/report-sample.png"))
        }

        // Later, from the state folder: the same numbers.
        let status = try await CLIProcess.run(["status", "--json", "--state-dir", state])
        let runId = try #require(((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.last?["id"] as? String)
        let again = dir.appendingPathComponent("again.html")
        let report = try await CLIProcess.run(["report", String(runId.prefix(8)), "--output", again.path, "--state-dir", state])
        #expect(report.status == 0, "\(report.stderr)")
        let later = try String(contentsOf: again, encoding: .utf8)
        #expect(Self.value(later, #"id="total-created">\d+"#) == created)
        #expect(later.contains(runId))
    }

    /// `bulk --report`: the same page for a bulk edit, with the records changed and the failures by reason.
    @Test(.timeLimit(.minutes(4)))
    func aBulkRunWritesItsReport() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        let migrate = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--state-dir", state, "--quiet"])
        #expect(migrate.status == 3 || migrate.status == 0, "\(migrate.stderr)")
        let report = dir.appendingPathComponent("bulk.html")
        let bulk = try await CLIProcess.run(["bulk", "update", "tickets", "--where", "status=open", "--set", "priority=urgent", "--yes",
                                             "--state-dir", state, "--report", report.path, "--json"])
        #expect(bulk.status == 0, "\(bulk.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(bulk.stdout.utf8)) as? [String: Any])
        let changed = try #require(result["succeeded"] as? Int)
        #expect(changed > 0)
        #expect(result["report"] as? String == report.path)
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("Bulk edit report"))
        #expect(html.contains(#"<tr data-entity="tickets">"#))
        #expect(Self.value(html, #"data-entity="tickets".*?data-kind="updated">[0-9]+"#) == changed, "the page has the run's numbers")
        // Self-contained: no script, and nothing fetched (the target's URL appears as text only).
        #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"), "self-contained")
        let attributes = try FileManager.default.attributesOfItem(atPath: report.path)
        #expect((attributes[.posixPermissions] as? Int ?? 0) & 0o077 == 0, "private to the user")
    }
}
