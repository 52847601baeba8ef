import Synchronization

/// Lookups (`lookup: {index: users}`, `fieldValues` definitions) served from memory: a mapping asks for the same
/// few hundred users or field definitions hundreds of thousands of times (every ticket and every comment names its
/// requester or author), and each answer from SQLite was a query plus a JSON parse. Bounded by entries and by the
/// JSON text of the cached records, with second-chance (CLOCK) eviction: a record asked for again since the hand
/// last passed stays. Keys that are not in the index are cached too (nil), as often asked for as the others.
///
/// The index of a name is written once, before the first record that looks it up is mapped, but `invalidate()`
/// (called around every index build) empties the cache and moves a generation on, so an answer read from SQLite
/// before a build never lands in the cache after it.
final class SourceRecordCache: Sendable {
    struct Limits: Sendable {
        var entries = 4096
        /// What the cached records' JSON text may add up to (with a small allowance per entry for the keys).
        var bytes = 8 << 20
        static let standard = Limits()
    }

    struct Stats: Sendable, Equatable {
        var entries = 0
        var bytes = 0
        var hits = 0
        var misses = 0
        var evictions = 0
    }

    /// Per entry, beside the record's text: the keys and the entry itself.
    static let entryOverhead = 64

    private struct Key: Hashable, Sendable {
        let index: String
        let key: String
    }

    private struct Slot: Sendable {
        let key: Key
        let value: JSONObject?
        let bytes: Int
        var referenced = false
    }

    private struct State: Sendable {
        var slots: [Slot?] = []
        var free: [Int] = []
        var map: [Key: Int] = [:]
        var hand = 0
        var generation: UInt64 = 0
        var stats = Stats()
    }

    let limits: Limits
    private let state = Mutex(State())

    init(limits: Limits = .standard) {
        self.limits = limits
    }

    var stats: Stats {
        state.withLock { s in
            var stats = s.stats
            stats.entries = s.map.count
            return stats
        }
    }

    /// The record under `key` in `index`: from the cache, or from `load` (the record and its JSON text's length,
    /// nil when there is none), which is then cached. An error from `load` is not cached.
    func value(index: String, key: String, load: () throws -> (JSONObject?, Int)) throws -> JSONObject? {
        let k = Key(index: index, key: key)
        let (cached, generation): (JSONObject??, UInt64) = state.withLock { s in
            guard let i = s.map[k] else {
                s.stats.misses += 1
                return (nil, s.generation)
            }
            s.slots[i]!.referenced = true
            s.stats.hits += 1
            return (.some(s.slots[i]!.value), s.generation)
        }
        if let cached { return cached }
        let (value, textBytes) = try load()
        let bytes = textBytes + index.utf8.count + key.utf8.count + Self.entryOverhead
        state.withLock { s in
            guard s.generation == generation, s.map[k] == nil else { return }
            insert(k, value, bytes: bytes, into: &s)
        }
        return value
    }

    /// Forgets everything (the index is being written).
    func invalidate() {
        state.withLock { s in
            let generation = s.generation &+ 1
            var stats = s.stats
            stats.bytes = 0
            s = State()
            s.generation = generation
            s.stats = stats
        }
    }

    private func insert(_ key: Key, _ value: JSONObject?, bytes: Int, into s: inout State) {
        // A record larger than the whole budget is answered, not kept.
        guard limits.entries > 0, bytes <= limits.bytes else { return }
        while s.map.count >= limits.entries || s.stats.bytes + bytes > limits.bytes { evictOne(&s) }
        let slot = Slot(key: key, value: value, bytes: bytes)
        if let i = s.free.popLast() {
            s.slots[i] = slot
            s.map[key] = i
        } else {
            s.slots.append(slot)
            s.map[key] = s.slots.count - 1
        }
        s.stats.bytes += bytes
    }

    /// Second chance: the hand clears the mark of a record used since it last passed, and evicts the first
    /// unmarked one. Only called while something is cached, so it ends within two turns.
    private func evictOne(_ s: inout State) {
        while true {
            if s.hand >= s.slots.count { s.hand = 0 }
            let i = s.hand
            s.hand += 1
            guard let slot = s.slots[i] else { continue }
            if slot.referenced {
                s.slots[i]!.referenced = false
                continue
            }
            s.map[slot.key] = nil
            s.slots[i] = nil
            s.free.append(i)
            s.stats.bytes -= slot.bytes
            s.stats.evictions += 1
            return
        }
    }
}
