/// Serialises `JSONValue`s to compact JSON bytes, appending to a buffer (no intermediate strings).
public enum JSONSerializer {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [110, 117, 108, 108])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if !d.isFinite { out.append(contentsOf: [110, 117, 108, 108]) }
            else if d.rounded() == d, abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8) }
            else { out.append(contentsOf: String(d).utf8) }
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out.append(91)
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(44) }
                write(v, to: &out)
            }
            out.append(93)
        case .object(let o):
            out.append(123)
            var first = true
            for (k, v) in o.pairs {
                if !first { out.append(44) }
                first = false
                writeString(k, to: &out)
                out.append(58)
                write(v, to: &out)
            }
            out.append(125)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(34)
        var s = s
        s.withUTF8 { buf in
            var start = 0
            for i in 0..<buf.count {
                let c = buf[i]
                guard c < 0x20 || c == 34 || c == 92 else { continue }
                if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i])) }
                switch c {
                case 34: out.append(contentsOf: [92, 34])
                case 92: out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                case 9: out.append(contentsOf: [92, 116])
                default: out.append(contentsOf: [92, 117, 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]])
                }
                start = i + 1
            }
            if start < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<buf.count])) }
        }
        out.append(34)
    }
}
