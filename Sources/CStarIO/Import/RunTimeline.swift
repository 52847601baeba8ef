import Foundation
import Synchronization

/// What a report draws of a run's course: records done over time per entity, and the waits for the quota window.
public struct RunTimeline: Sendable {
    public struct Point: Sendable {
        public var seconds: Double
        public var entity: String
        public var settled: Int
    }
    public struct Wait: Sendable {
        public var at: Double
        public var seconds: Double
    }
    public var points: [Point] = []
    public var waits: [Wait] = []

    public init() {}

    public var json: JSONValue {
        .object(JSONObject([
            ("points", .array(points.map { .object(JSONObject([("t", .double(($0.seconds * 10).rounded() / 10)), ("entity", .string($0.entity)),
                                                               ("settled", .int(Int64($0.settled)))])) })),
            ("waits", .array(waits.map { .object(JSONObject([("at", .double(($0.at * 10).rounded() / 10)), ("seconds", .double(($0.seconds * 10).rounded() / 10))])) })),
        ]))
    }
}

/// Collects a `RunTimeline` from progress events, a point at most every half second per entity (and at most
/// 2,000), so a long run's report stays small.
public final class TimelineRecorder: Sendable {
    private let start: Double
    private let state = Mutex((timeline: RunTimeline(), last: [String: Double]()))

    public init(start: Double = Date().timeIntervalSince1970) { self.start = start }

    public func note(_ event: PipelineProgress, now: Double = Date().timeIntervalSince1970) {
        let t = now - start
        state.withLock { st in
            switch event {
            case .entityStarted(let entity, _):
                st.timeline.points.append(.init(seconds: t, entity: entity, settled: 0))
                st.last[entity] = t
            case .batchDelivered(let entity, _, _, _, _, let settled, _):
                guard t - (st.last[entity] ?? -1) >= 0.5, st.timeline.points.count < 2000 else { return }
                st.last[entity] = t
                st.timeline.points.append(.init(seconds: t, entity: entity, settled: settled))
            case .entityFinished(let s):
                st.timeline.points.append(.init(seconds: t, entity: s.entity, settled: s.read))
            case .entityCounted, .entitySkipped:
                break
            }
        }
    }

    public func noteWait(until: Double, now: Double = Date().timeIntervalSince1970) {
        state.withLock { $0.timeline.waits.append(.init(at: now - start, seconds: max(0, until - now))) }
    }

    public var timeline: RunTimeline { state.withLock { $0.timeline } }
}
