import CStarIO
import Foundation
import TestSupport
import Testing

/// Mapping files come from strangers: mutated and random YAML through the loader never crashes or hangs, and
/// whatever it refuses, it refuses with a MappingErrors naming the file.
@Suite("Mapping loader fuzzing")
struct MappingFuzzTests {
    static let seeds: [String] = try! ["tickets.yaml", "customers.yaml", "memberships.yaml", "business-hours.yaml"].map {
        try String(contentsOf: TestFiles.repoRoot.appendingPathComponent("Mappings/zendesk/\($0)"), encoding: .utf8)
    }

    static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
        var b = Array(text.utf8)
        let interesting = Array("&*:-[]{}'\"\n \t#|>!%@`,?".utf8) + [0x00, 0xFF, 0xC3]
        for _ in 0..<Int.random(in: 1...12, using: &rng) where !b.isEmpty {
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: b[i] = interesting.randomElement(using: &rng)!
            case 1: b.remove(at: i)
            case 2: b.insert(interesting.randomElement(using: &rng)!, at: i)
            case 3:  // a copied line elsewhere (duplicated keys, odd indentation)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                b.insert(contentsOf: Array((lines.randomElement(using: &rng) ?? "") .utf8) + [10], at: i)
            case 4: b.removeLast(Int.random(in: 0...min(b.count, 40), using: &rng))
            default: b[i] = UInt8.random(in: 0...255, using: &rng)
            }
        }
        return String(decoding: b, as: UTF8.self)
    }

    // Async and yielding, so it never holds a cooperative thread other suites' in-process sandboxes need.
    @Test(.timeLimit(.minutes(2))) func mutatedMappingsNeverCrashOrHang() async {
        var rng = SeededRandom(state: 2026)
        var refused = 0
        for round in 0..<1200 {
            if round % 25 == 0 { await Task.yield() }
            let text = round % 15 == 14 ? String(decoding: (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
                                        : Self.mutate(Self.seeds[round % Self.seeds.count], &rng)
            do {
                _ = try EntityMapping.parse(yaml: text, file: "fuzz-\(round).yaml")
            } catch let e as MappingErrors {
                refused += 1
                #expect(!e.errors.isEmpty && e.errors.allSatisfy { $0.file == "fuzz-\(round).yaml" })
            } catch {
                Issue.record("round \(round): not a MappingErrors: \(error)")
            }
        }
        #expect(refused > 300, "mutations do produce bad mappings")
    }
}
