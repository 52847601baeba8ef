/// Writes records as NDJSON lines, encoding each distinct key array once: CSV records share one header
/// array, so their keys are written from cached bytes.
public struct NDJSONLineEncoder {
    private var cachedKeys: [String] = []
    /// `"key":` for every cached key, back to back; `keyEnds[i]` is where key i's bytes end.
    private var keyBytes: [UInt8] = []
    private var keyEnds: [Int] = []

    public init() {}

    /// Non-generic entry points, so callers in other modules get the specialised code.
    public mutating func encode(_ object: JSONObject, into out: inout ByteSink) { encodeGeneric(object, into: &out) }
    public mutating func encode(_ object: JSONObject, into out: inout [UInt8]) { encodeGeneric(object, into: &out) }

    /// A record as one NDJSON line; a CSV row's bytes go straight to the output (escaped where JSON needs it).
    public mutating func encode(_ record: Record, into out: inout ByteSink) {
        switch record.storage {
        case .object(let object): encodeGeneric(object, into: &out)
        case .csv(let row): Self.encode(row, into: &out)
        case .json(let row):
            row.write(to: &out)
            out.append(10)
        }
    }

    static func encode(_ row: CSVRow, into out: inout ByteSink) {
        let columns = row.columns
        columns.keyJSON.withUnsafeBufferPointer { kb in
            row.withStorage { ends, bytes, n in
                var start = 0
                var keyStart = 0
                // Room for the braces, the newline and the last field's quotes.
                var p = out.reserve(kb.count + 4)
                p.pointee = 123
                p += 1
                for i in 0..<n {
                    let keyEnd = columns.keyEnds[i]
                    let end = ends.loadUnaligned(fromByteOffset: i * CSVRow.endSize, as: Int.self)
                    // A comma, the key, the quotes, and 8 bytes of slack for the escaper's last store.
                    out.advance(to: p)
                    p = out.reserve(keyEnd - keyStart + 11)
                    if i > 0 { p.pointee = 44; p += 1 }
                    p.update(from: kb.baseAddress! + keyStart, count: keyEnd - keyStart)
                    p += keyEnd - keyStart
                    p.pointee = 34
                    p += 1
                    // Worst case every byte becomes \u00XX; reserved a chunk at a time, so that one large field
                    // does not grow the output buffer to six times its size.
                    var from = start
                    while from < end {
                        let chunk = min(end - from, 1 << 16)
                        out.advance(to: p)
                        p = escape(bytes + from, count: chunk, to: out.reserve(6 * chunk + 11))
                        from += chunk
                    }
                    p.pointee = 34
                    p += 1
                    keyStart = keyEnd
                    start = end
                }
                p.pointee = 125
                p[1] = 10
                out.advance(to: p + 2)
            }
        }
    }

    /// Copies `count` bytes to `out`, escaping what JSON strings must, eight bytes at a time. Reads and
    /// writes up to 8 bytes past the ends: a `CSVRow` has that slack after its last field, and the caller
    /// reserves it in the output.
    @inline(__always)
    static func escape(_ from: UnsafePointer<UInt8>, count: Int, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var i = 0
        var o = out
        while i < count {
            let w = SWAR.load(from + i)
            let lw = UInt64(littleEndian: w)  // so that the lowest set byte is the first in memory
            let special = SWAR.lessMask(lw, 0x20) | SWAR.equalMask(lw, 0x22) | SWAR.equalMask(lw, 0x5C)
            let clean = special == 0 ? 8 : special.trailingZeroBitCount >> 3
            let take = min(clean, count - i)
            UnsafeMutableRawPointer(o).storeBytes(of: w, as: UInt64.self)
            o += take
            i += take
            if take < 8, i < count {
                let c = from[i]
                o[0] = 92
                switch c {
                case 34: o[1] = 34; o += 2
                case 92: o[1] = 92; o += 2
                case 10: o[1] = 110; o += 2
                case 13: o[1] = 114; o += 2
                case 9: o[1] = 116; o += 2
                case 8: o[1] = 98; o += 2
                case 12: o[1] = 102; o += 2
                default:
                    o[1] = 117; o[2] = 48; o[3] = 48
                    o[4] = JSONSerializer.hex[Int(c >> 4)]; o[5] = JSONSerializer.hex[Int(c & 15)]
                    o += 6
                }
                i += 1
            }
        }
        return o
    }

    mutating func encodeGeneric<O: JSONOutput>(_ object: JSONObject, into out: inout O) {
        let keys = object.keys
        if !Self.sameStorage(keys, cachedKeys) {
            cachedKeys = keys
            keyBytes.removeAll()
            keyEnds.removeAll()
            for k in keys {
                JSONSerializer.writeString(k, to: &keyBytes)
                keyBytes.append(58)
                keyEnds.append(keyBytes.count)
            }
            if keys.isEmpty { cachedKeys = [] }
        }
        out.append(123)
        if Self.sameStorage(keys, cachedKeys) {
            keyBytes.withUnsafeBufferPointer { kb in
                object.values.withUnsafeBufferPointer { vals in
                    var start = 0
                    for i in 0..<vals.count {
                        if i > 0 { out.append(44) }
                        let end = keyEnds[i]
                        out.append(bytes: UnsafeBufferPointer(rebasing: kb[start..<end]))
                        start = end
                        JSONSerializer.write(vals[i], to: &out)
                    }
                }
            }
        }
        out.append(125)
        out.append(10)
    }

    /// True when both arrays share one buffer (a pointer comparison, not an element-wise one).
    static func sameStorage(_ a: [String], _ b: [String]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return a.isEmpty && b.isEmpty }
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress } }
    }
}
