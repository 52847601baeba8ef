/// A window source that can ask for a window ahead: `start` sends the request once and returns when the answer
/// is ready to be read (the server did its work), `finish` reads it. Either may fail (nil): the window is then
/// fetched again through `window(createdAfter:)`, which retries and reports errors as usual.
protocol PrefetchableWindowSource: ExportWindowSource, Sendable {
    associatedtype Pending: Sendable
    func start(createdAfter: String?) async -> Pending?
    func finish(_ pending: Pending) async throws -> ExportWindow?
}

/// Overlaps fetching the next export window with writing the last: as soon as a window arrives, the request for
/// the next one (from the last row's createdAt, the bound `ExportWindowWalker` asks for next) is sent, so the
/// server prepares it while this one is written. Its answer is read only when the walker asks for it, after the
/// last window was written and let go, so memory still holds one window's bytes (the pending answer waits in
/// the connection). A prefetch that fails, or whose bound is not the one asked for, is dropped and the window
/// fetched the ordinary way: order and rows are exactly those of the walk without prefetching.
final class PrefetchingWindows<Inner: PrefetchableWindowSource>: ExportWindowSource {
    let inner: Inner
    private var pending: (after: String, task: Task<Inner.Pending?, Never>)?
    /// How many windows came from a prefetch, and how many prefetches were dropped (for tests and benchmarks).
    private(set) var prefetched = 0
    private(set) var dropped = 0

    init(_ inner: Inner) { self.inner = inner }

    /// The bound of the window asked for ahead, if any.
    var pendingBound: String? { pending?.after }

    deinit { pending?.task.cancel() }

    func window(createdAfter after: String?) async throws -> ExportWindow {
        var window: ExportWindow? = nil
        if let p = pending {
            pending = nil
            if p.after == after, let answer = await p.task.value, let w = try await inner.finish(answer) {
                window = w
                prefetched += 1
            } else {
                p.task.cancel()
                dropped += 1
            }
        }
        let w: ExportWindow
        if let window { w = window } else { w = try await inner.window(createdAfter: after) }
        if w.truncated, w.count > 0, let last = try w.row(w.count - 1)["createdAt"]?.stringValue, last != after {
            let source = inner
            pending = (last, Task { await source.start(createdAfter: last) })
        }
        return w
    }

    func listAll(_ body: (JSONObject) async throws -> Void) async throws {
        if let p = pending { p.task.cancel(); pending = nil }
        try await inner.listAll(body)
    }
}
