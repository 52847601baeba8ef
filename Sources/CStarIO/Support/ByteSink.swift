/// A growable byte buffer without Array's per-append uniqueness checks, for NDJSON output loops.
/// The owner calls `deallocate()`.
public struct ByteSink {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    private var capacity: Int

    public init(capacity: Int = 1 << 18) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always) public mutating func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) public mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard n > 0 else { return }
        if count + n > capacity { grow(count + n) }
        (base + count).update(from: bytes.baseAddress!, count: n)
        count += n
    }

    private mutating func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    /// Room for `n` more bytes, returned as the write position; `advance(to:)` then commits what was written.
    @inline(__always) mutating func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(count + n) }
        return base + count
    }

    @inline(__always) mutating func advance(to end: UnsafeMutablePointer<UInt8>) { count = end - base }

    public mutating func removeAll() { count = 0 }
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
    public func deallocate() { base.deallocate() }
}
