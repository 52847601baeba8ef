import Foundation

/// Reads JSON values token by token from a `ByteSource`.
struct JSONTokenParser {
    let source: ByteSource
    let file: String
    static let maxDepth = 512

    func error(_ message: String) -> ReaderError { ReaderError(file: file, line: source.line, message: message) }

    static func describe(_ c: UInt8) -> String {
        (c >= 0x20 && c < 0x7f) ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "byte 0x%02X", c)
    }

    @inline(__always)
    func skipWhitespace() throws {
        while true {
            if source.pos >= source.end {
                guard try source.refill(keepingFrom: source.pos) else { return }
            }
            let (stop, lines) = source.buffer.withUnsafeBufferPointer { b -> (Int, Int) in
                var i = source.pos
                var lines = 0
                let end = source.end
                while i < end {
                    let c = b[i]
                    if c == 10 { lines += 1 } else if c != 32 && c != 13 && c != 9 { break }
                    i += 1
                }
                return (i, lines)
            }
            source.pos = stop
            source.line += lines
            if stop < source.end { return }
        }
    }

    /// Inside an object just after `{`: consumes pairs until the key `wanted` (or, with nil, the first key whose
    /// value starts an array) and stops before its value. Returns false when the object ends first.
    func seekKey(_ wanted: String?, collecting collected: inout JSONObject) throws -> Bool {
        var first = true
        while true {
            try skipWhitespace()
            guard let c = try source.peek() else { throw error("unexpected end of file inside an object") }
            if c == 125 { source.advance(); return false }
            if !first {
                guard c == 44 else { throw error("expected ',' or '}' in an object, found \(Self.describe(c))") }
                source.advance()
                try skipWhitespace()
            }
            first = false
            let key = try parseKey()
            try skipWhitespace()
            if let w = wanted {
                if key == w { return true }
            } else if try source.peek() == 91, collected["id"] == nil, try arrayOfObjectsAhead() {
                // Without a named key, the first array-valued key holds the records (a record's own lists come after its id).
                collected.appendUnchecked(key, .null)
                return true
            }
            collected.appendUnchecked(key, try parseValue(depth: 1))
        }
    }

    /// At a `[`: whether the array's first element is an object (`[{`), looking ahead without consuming. An empty
    /// array or a list of strings is a record's own field, not the records.
    func arrayOfObjectsAhead() throws -> Bool {
        var i = source.pos + 1
        while true {
            while i < source.end {
                let c = source.buffer[i]
                if c == 32 || c == 9 || c == 10 || c == 13 { i += 1; continue }
                return c == 123
            }
            let offset = i - source.pos
            guard try source.refill(keepingFrom: source.pos) else { return false }
            i = source.pos + offset
        }
    }

    /// After a value inside an object: consumes the remaining pairs and the closing `}`.
    func skipRestOfObject(collecting collected: inout JSONObject) throws {
        while true {
            try skipWhitespace()
            guard let c = try source.peek() else { throw error("unexpected end of file: the JSON document is truncated") }
            if c == 125 { source.advance(); return }
            guard c == 44 else { throw error("expected ',' or '}' in an object, found \(Self.describe(c))") }
            source.advance()
            try skipWhitespace()
            let key = try parseKey()
            collected.appendUnchecked(key, try parseValue(depth: 1))
        }
    }

    private func parseKey() throws -> String {
        guard try source.peek() == 34 else {
            throw error("expected a quoted key, found \(try source.peek().map(Self.describe) ?? "end of file")")
        }
        let key = try parseString()
        try skipWhitespace()
        guard try source.peek() == 58 else { throw error("expected ':' after key \"\(key)\"") }
        source.advance()
        try skipWhitespace()
        return key
    }

    func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw error("JSON nested deeper than \(Self.maxDepth) levels") }
        try skipWhitespace()
        guard let c = try source.peek() else { throw error("unexpected end of file, expected a value") }
        switch c {
        case 34: return .string(try parseString())
        case 123:
            source.advance()
            var obj = JSONObject()
            try skipWhitespace()
            if try source.peek() == 125 { source.advance(); return .object(obj) }
            while true {
                try skipWhitespace()
                let key = try parseKey()
                // Duplicate keys are kept in order; lookups find the last one (as JSON parsers commonly do).
                obj.appendUnchecked(key, try parseValue(depth: depth + 1))
                try skipWhitespace()
                guard let d = try source.peek() else { throw error("unexpected end of file inside an object") }
                source.advance()
                if d == 125 { return .object(obj) }
                guard d == 44 else { throw error("expected ',' or '}' in an object, found \(Self.describe(d))") }
            }
        case 91:
            source.advance()
            var arr: [JSONValue] = []
            try skipWhitespace()
            if try source.peek() == 93 { source.advance(); return .array(arr) }
            while true {
                arr.append(try parseValue(depth: depth + 1))
                try skipWhitespace()
                guard let d = try source.peek() else { throw error("unexpected end of file inside an array") }
                source.advance()
                if d == 93 { return .array(arr) }
                guard d == 44 else { throw error("expected ',' or ']' in an array, found \(Self.describe(d))") }
            }
        case 116: try literal("true"); return .bool(true)
        case 102: try literal("false"); return .bool(false)
        case 110: try literal("null"); return .null
        case 45, 48...57: return try parseNumber()
        default: throw error("unexpected \(Self.describe(c)), expected a value")
        }
    }

    private func literal(_ word: StaticString) throws {
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in bytes {
            guard try source.peek() == b else { throw error("invalid literal, expected '\(word)'") }
            source.advance()
        }
    }

    private func parseNumber() throws -> JSONValue {
        // Fast path: the whole number is in the buffer and is a plain integer.
        let fast: JSONValue? = source.buffer.withUnsafeBufferPointer { b in
            var i = source.pos
            let end = source.end
            var negative = false
            if i < end, b[i] == 45 { negative = true; i += 1 }
            let digitsStart = i
            var v: Int64 = 0
            while i < end, b[i] >= 48, b[i] <= 57, i - digitsStart < 18 {
                v = v * 10 + Int64(b[i] - 48)
                i += 1
            }
            let digits = i - digitsStart
            guard i < end, digits > 0, !(b[digitsStart] == 48 && digits > 1) else { return nil }
            let c = b[i]
            if (c >= 48 && c <= 57) || c == 46 || c == 101 || c == 69 || c == 43 || c == 45 { return nil }
            source.pos = i
            return .int(negative ? -v : v)
        }
        if let fast { return fast }
        var text: [UInt8] = []
        var isInt = true
        while let c = try source.peek() {
            switch c {
            case 48...57, 45: break
            case 43, 46, 101, 69: isInt = false
            default:
                return try finishNumber(text, isInt)
            }
            text.append(c)
            source.pos += 1
        }
        return try finishNumber(text, isInt)
    }

    private func finishNumber(_ text: [UInt8], _ isInt: Bool) throws -> JSONValue {
        let s = String(decoding: text, as: UTF8.self)
        // JSON grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
        var i = 0
        if i < text.count, text[i] == 45 { i += 1 }
        guard i < text.count, (48...57).contains(text[i]) else { throw error("invalid number '\(s)'") }
        if text[i] == 48, i + 1 < text.count, (48...57).contains(text[i + 1]) { throw error("invalid number '\(s)' (leading zero)") }
        if isInt, let v = Int64(s) { return .int(v) }
        guard !s.hasSuffix("."), !s.contains(".e"), !s.contains(".E"), !s.hasSuffix("e"), !s.hasSuffix("E"), !s.hasSuffix("-"), !s.hasSuffix("+"),
              let d = Double(s) else { throw error("invalid number '\(s)'") }
        // Valid JSON that no Int64 or Double holds exactly (1e999999, a 30-digit id) is kept as its text, so
        // passing it through loses nothing; a rule that needs a number rejects only its record.
        if !d.isFinite || isInt { return .string(s) }
        return .double(d)
    }

    func parseString() throws -> String {
        source.advance()  // opening quote
        // Fast path: no escapes and the closing quote is in the buffer.
        let fast: String?? = source.buffer.withUnsafeBufferPointer { b in
            var i = source.pos
            let end = source.end
            while i < end {
                let c = b[i]
                if c == 34 {
                    let s = UTF8Text.string(UnsafeBufferPointer(rebasing: b[source.pos..<i]))
                    source.pos = i + 1
                    return .some(s)
                }
                if c == 92 || c < 0x20 { return nil }
                i += 1
            }
            return nil
        }
        if let fast {
            guard let s = fast else { throw error("invalid UTF-8 inside a string") }
            return s
        }
        var bytes: [UInt8] = []
        while true {
            // Fast path: copy a run of plain bytes straight from the buffer.
            guard try source.ensure() else { throw error("unexpected end of file inside a string") }
            var i = source.pos
            let end = source.end
            let start = i
            while i < end {
                let c = source.buffer[i]
                if c == 34 || c == 92 || c < 0x20 { break }
                i += 1
            }
            if i > start {
                bytes.append(contentsOf: source.buffer[start..<i])
                source.pos = i
            }
            guard try source.ensure() else { throw error("unexpected end of file inside a string") }
            let c = source.buffer[source.pos]
            if c != 34 && c != 92 && c >= 0x20 { continue }  // the plain run stopped at the end of the buffer
            if c == 34 {
                source.advance()
                return try Self.decodeUTF8(bytes, parser: self)
            }
            if c < 0x20 {
                throw error(c == 10 ? "unescaped line break inside a string (a string was not closed?)" : "control character \(Self.describe(c)) inside a string")
            }
            // Backslash escape.
            source.advance()
            guard let e = try source.peek() else { throw error("unexpected end of file in an escape sequence") }
            source.advance()
            switch e {
            case 34: bytes.append(34)
            case 92: bytes.append(92)
            case 47: bytes.append(47)
            case 98: bytes.append(8)
            case 102: bytes.append(12)
            case 110: bytes.append(10)
            case 114: bytes.append(13)
            case 116: bytes.append(9)
            case 117:
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard try source.peek() == 92 else { throw error("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string") }
                    source.advance()
                    guard try source.peek() == 117 else { throw error("unpaired surrogate in a string") }
                    source.advance()
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                bytes.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string")
            }
        }
    }

    private func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = try source.peek() else { throw error("unexpected end of file in a \\u escape") }
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw error("invalid \\u escape in a string")
            }
            v = v * 16 + d
            source.advance()
        }
        return v
    }

    static func decodeUTF8(_ bytes: [UInt8], parser: JSONTokenParser) throws -> String {
        if let s = bytes.withUnsafeBufferPointer({ UTF8Text.string($0) }) { return s }
        throw parser.error("invalid UTF-8 inside a string")
    }
}

/// Parses a complete JSON document held in memory.
public enum JSONParser {
    public static func parse(_ bytes: [UInt8], name: String = "response") throws -> JSONValue {
        let source = ByteSource(bytes: bytes)
        let parser = JSONTokenParser(source: source, file: name)
        let value = try parser.parseValue(depth: 0)
        try parser.skipWhitespace()
        if let c = try source.peek() { throw parser.error("unexpected \(JSONTokenParser.describe(c)) after the JSON value") }
        return value
    }

    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }
}
