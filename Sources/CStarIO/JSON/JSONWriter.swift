/// Somewhere JSON bytes can be appended: a `[UInt8]`, or the unchecked `ByteSink` of hot output paths.
public protocol JSONOutput {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: JSONOutput where Element == UInt8 {
    @inline(__always) public mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

extension ByteSink: JSONOutput {}

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

    public static func write<O: JSONOutput>(_ value: JSONValue, to out: inout O) {
        switch value {
        case .null: raw("null", to: &out)
        case .bool(let b): raw(b ? "true" : "false", to: &out)
        case .int(let i): raw(String(i), to: &out)
        case .double(let d):
            if !d.isFinite { raw("null", to: &out) }
            else if d.rounded() == d, abs(d) < 1e15 { raw(String(Int64(d)), to: &out) }
            else { raw(String(d), to: &out) }
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

    /// Text that needs no escaping (numbers, literals).
    @inline(__always)
    static func raw<O: JSONOutput>(_ s: String, to out: inout O) {
        var s = s
        s.withUTF8 { out.append(bytes: $0) }
    }

    public static func writeString<O: JSONOutput>(_ s: String, to out: inout O) {
        out.append(34)
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ writeEscaped($0, to: &out) }) {
            _ = done
        } else {
            Array(s.utf8).withUnsafeBufferPointer { writeEscaped($0, to: &out) }
        }
        out.append(34)
    }

    @inline(__always)
    static func writeEscaped<O: JSONOutput>(_ buf: UnsafeBufferPointer<UInt8>, to out: inout O) {
        var start = 0
        let n = buf.count
        var i = 0
        while i < n {
            i = SWAR.firstJSONEscape(buf, from: i)
            if i >= n { break }
            let c = buf[i]
            if start < i { out.append(bytes: UnsafeBufferPointer(rebasing: buf[start..<i])) }
            out.append(92)
            switch c {
            case 34: out.append(34)
            case 92: out.append(92)
            case 10: out.append(110)
            case 13: out.append(114)
            case 9: out.append(116)
            case 8: out.append(98)
            case 12: out.append(102)
            default:
                out.append(117); out.append(48); out.append(48); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
            }
            i += 1
            start = i
        }
        if start < n { out.append(bytes: UnsafeBufferPointer(rebasing: buf[start..<n])) }
    }
}
