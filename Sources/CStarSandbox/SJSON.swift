import Foundation

/// The sandbox's own JSON value. Objects keep their key order so responses read like the documented examples.
/// It is deliberately separate from the client's JSON type: the sandbox shares no code with the client.
public enum SJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([SJSON])
    case object([(String, SJSON)])

    public static func == (lhs: SJSON, rhs: SJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            let bd = Dictionary(b, uniquingKeysWith: { x, _ in x })
            return a.allSatisfy { bd[$0.0] == $0.1 }
        default: return false
        }
    }

    public subscript(key: String) -> SJSON? {
        if case .object(let pairs) = self { return pairs.first(where: { $0.0 == key })?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var objectPairs: [(String, SJSON)]? { if case .object(let p) = self { return p } else { return nil } }
    public var arrayValue: [SJSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// Name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Returns a copy with `key` set (replaced in place, or appended).
    public func setting(_ key: String, _ value: SJSON) -> SJSON {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }

    public func removing(_ key: String) -> SJSON {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.filter { $0.0 != key })
    }
}

// MARK: - Encoding

extension SJSON {
    public func encoded() -> String {
        String(decoding: encodedBytes(), as: UTF8.self)
    }

    public var data: Data { Data(encodedBytes()) }

    /// The document as UTF-8 bytes, written byte by byte (the same bytes `encoded()` always gave).
    public func encodedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: SJSON.nullBytes)
        case .bool(let b): out.append(contentsOf: b ? SJSON.trueBytes : SJSON.falseBytes)
        case .int(let i): SJSON.writeInt(i, to: &out)
        case .double(let d):
            if d.isFinite, d.rounded() == d, abs(d) < 1e15 { SJSON.writeInt(Int64(d), to: &out) }
            else if d.isFinite { out.append(contentsOf: "\(d)".utf8) } else { out.append(contentsOf: SJSON.nullBytes) }
        case .string(let s): SJSON.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                SJSON.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let nullBytes = Array("null".utf8), trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)

    static func writeInt(_ value: Int64, to out: inout [UInt8]) {
        if value >= 0, value < 10 { out.append(UInt8(48 + value)); return }
        if value == .min { out.append(contentsOf: String(value).utf8); return }
        var v = value < 0 ? -value : value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 19 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 { buf[23 - n] = UInt8(48 + v % 10); v /= 10; n += 1 }
            if value < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: buf[(24 - n)...])
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Escapes `"`, `\\`, and control characters (`\n`, `\r`, `\t` by name, the others as `\u00xx`); everything else as is.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for (k, c) in bytes.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
                if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<k])) }
                runStart = k + 1
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 48, 48, hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Decoding

extension SJSON: Decodable {
    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: AnyKey.self) {
            var pairs: [(String, SJSON)] = []
            for key in c.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                pairs.append((key.stringValue, try c.decode(SJSON.self, forKey: key)))
            }
            self = .object(pairs)
            return
        }
        if var a = try? decoder.unkeyedContainer() {
            var items: [SJSON] = []
            while !a.isAtEnd { items.append(try a.decode(SJSON.self)) }
            self = .array(items)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Parses a JSON document; nil when the bytes are not JSON. Byte-level (`SJSONParser`); documents that parser
    /// declines go through Foundation's decoder, which gives the same value (or the same failure) as before.
    public static func parse(_ data: Data) -> SJSON? {
        if let fast = SJSONParser.parse(data) { return fast }
        return try? decodeWithFoundation(data)
    }

    /// Parses JSON text (a stored record's `data`) without copying it first.
    static func parse(text: String) -> SJSON? {
        var text = text
        if let fast = text.withUTF8({ SJSONParser.parse(UnsafeRawBufferPointer($0)) }) { return fast }
        return try? decodeWithFoundation(Data(text.utf8))
    }

    /// The original decoding (Foundation's JSONDecoder): the reference for the byte-level parser, and its fallback.
    static func decodeWithFoundation(_ data: Data) throws -> SJSON {
        try JSONDecoder().decode(SJSON.self, from: data)
    }
}
