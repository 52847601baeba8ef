/// Fast, non-generic UTF-8 → String for the readers' hot paths (the generic `String(validating:)` goes through
/// runtime metadata lookups that cost more than the validation itself).
enum UTF8Text {
    /// The string for valid UTF-8, nil otherwise.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Invalid sequences become U+FFFD.
    @inline(__always)
    static func repairing(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        guard n > 0, let base = b.baseAddress else { return true }
        var i = 0
        // ASCII fast path, eight bytes at a time.
        while i + 8 <= n {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len: Int
            var minScalar: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF: len = 2; scalar = UInt32(c & 0x1F); minScalar = 0x80
            case 0xE0...0xEF: len = 3; scalar = UInt32(c & 0x0F); minScalar = 0x800
            case 0xF0...0xF4: len = 4; scalar = UInt32(c & 0x07); minScalar = 0x10000
            default: return false
            }
            guard i + len <= n else { return false }
            for k in 1..<len {
                let cc = b[i + k]
                guard cc & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
            minScalar = 0
            i += len
        }
        return true
    }
}
