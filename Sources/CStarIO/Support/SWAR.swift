/// Eight-bytes-at-a-time tests ("SIMD within a register") for the readers' and writers' scanning loops.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always) static func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
    @inline(__always) static func has(_ w: UInt64, _ byte: UInt8) -> Bool { hasZero(w ^ (ones &* UInt64(byte))) }
    @inline(__always) static func hasLess(_ w: UInt64, _ n: UInt8) -> Bool { (w &- ones &* UInt64(n)) & ~w & highs != 0 }

    /// High bit set in each byte of `w` that is below `n` (n ≤ 0x80); exact at the lowest set byte, which is
    /// what a first-match search needs (a borrow may mark bytes above a match).
    @inline(__always) static func lessMask(_ w: UInt64, _ n: UInt8) -> UInt64 { (w &- ones &* UInt64(n)) & ~w & highs }
    /// High bit set in each byte of `w` equal to `byte`, exact at the lowest set byte.
    @inline(__always) static func equalMask(_ w: UInt64, _ byte: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highs
    }

    @inline(__always) static func load(_ p: UnsafePointer<UInt8>) -> UInt64 { UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) }

    /// True when some byte of `base[0..<count]` has its high bit set.
    @inline(__always)
    static func anyNonASCII(_ base: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= count {
            acc |= load(base + i)
            i += 8
        }
        while i < count {
            acc |= UInt64(base[i])
            i += 1
        }
        return acc & highs != 0
    }

    /// Index of the first byte at or after `from` that a JSON string must escape (control, quote, backslash).
    @inline(__always)
    static func firstJSONEscape(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        let n = b.count
        if let base = b.baseAddress {
            while i + 8 <= n {
                let w = load(base + i)
                if hasLess(w, 0x20) || has(w, 0x22) || has(w, 0x5C) { break }
                i += 8
            }
        }
        while i < n {
            let c = b[i]
            if c < 0x20 || c == 34 || c == 92 { return i }
            i += 1
        }
        return n
    }

    /// Index of the first quote, CR or LF at or after `from` (before `end`).
    @inline(__always)
    static func firstQuoteOrBreak(_ base: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        var i = from
        while i + 8 <= end {
            let w = load(base + i)
            if has(w, 0x22) || has(w, 0x0A) || has(w, 0x0D) { break }
            i += 8
        }
        while i < end {
            let c = base[i]
            if c == 34 || c == 10 || c == 13 { return i }
            i += 1
        }
        return end
    }
}
