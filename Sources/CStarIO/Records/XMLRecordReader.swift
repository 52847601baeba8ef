import Foundation
#if CSTAR_LIBXML2
import CLibXML2
#endif

// This file is over 400 lines on purpose: the SAX2 callbacks, the record builder and the typed-value rules share
// one parser state that libxml2 calls back into; split across files, that state would have to be exposed to them all.

/// Limits for XML from strangers; a record that passes one is rejected with its line and reading goes on.
public struct XMLLimits: Sendable {
    /// Bytes of text in one element (libxml2's own default for a text node).
    public var maxTextBytes = 10_000_000
    /// Bytes of text and names in one record.
    public var maxRecordBytes = 64 << 20
    /// Elements nested inside one record (libxml2 refuses a document nested deeper than 256).
    public var maxDepth = 64

    public init() {}
}

/// Streams the records of an XML document, such as Zendesk's XML export (`<tickets type="array"><ticket>…`), with
/// libxml2's SAX2 push parser fed from the file in 64 KiB chunks: memory does not grow with the file.
///
/// - Each element under the root (or under the element the records path names) is one record, a JSON object whose
///   keys are the child elements' names as written (`created-at`). A second child of the same name makes the value
///   an array. Rails' typed elements become typed values: `type="integer"` a number, `boolean` a bool, `float` /
///   `decimal` a number, `array` an array of its children's values, `hash` an object, `datetime` and everything else
///   a string; `nil="true"` and an empty untyped element are null. Other attributes of an element with children
///   become `@name` keys; text beside child elements is `#text`.
/// - With a records path (`tickets`), a document whose root is `<ticket>` is one record (a single-ticket response),
///   and one whose root is another element (`<users>`) is skipped with a warning naming it.
/// - Every record keeps file, line of its start tag and an element path (`/tickets/ticket[3]`).
/// - Hostile input: a `<!DOCTYPE>` is refused before anything in it is read, so no entity is ever declared or
///   expanded and nothing is fetched (no XXE, no billion laughs); no external entity loader can load anything, and
///   the network is off. Text, record size and depth are capped (`XMLLimits`).
/// - Malformed XML ends the stream with a problem item naming its line and saying that the rest of the file is
///   not read; the records before it have been delivered.
public final class XMLRecordReader: RecordReader {
    public let file: String

    /// Whether this build reads XML (libxml2's headers were installed when it was built).
    public static var isAvailable: Bool {
        #if CSTAR_LIBXML2
        return true
        #else
        return false
        #endif
    }

    public static let unavailableMessage =
        "this cstar-io was built without XML support: install libxml2's headers (apt-get install libxml2-dev) and rebuild it (swift build)"

    #if CSTAR_LIBXML2
    private let engine: Engine
    #endif

    /// - Parameters:
    ///   - recordsPath: `tickets` or `/export/tickets`: the element whose children are the records; nil means the root.
    public init(path: String, recordsPath: String? = nil, limits: XMLLimits = XMLLimits(), progress: ReadProgress? = nil) throws {
        file = path
        #if CSTAR_LIBXML2
        let names = recordsPath.map { p in p.split(separator: "/").map(String.init) } ?? []
        engine = try Engine(path: path, recordsPath: names, limits: limits, progress: progress)
        #else
        throw ReaderError(file: path, line: 0, message: Self.unavailableMessage)
        #endif
    }

    public func next() throws -> ReadItem? {
        #if CSTAR_LIBXML2
        return try engine.next()
        #else
        return nil
        #endif
    }
}

#if CSTAR_LIBXML2
extension XMLRecordReader {
    /// libxml2's process-wide set-up, once: the parser's globals, and an external entity loader that loads nothing.
    static let setUp: Void = {
        xmlInitParser()
        cstar_xml_refuse_external_entities()
    }()

    /// The parser and its input. libxml2's callbacks get the `Builder` itself as their context pointer: no
    /// reference counting and no exclusivity check per callback.
    final class Engine {
        let file: String
        let progress: ReadProgress?
        private let fd: Int32
        private let ownsFD: Bool
        private var ctxt: xmlParserCtxtPtr?
        private var chunk = [UInt8](repeating: 0, count: 64 << 10)
        private let state: UnsafeMutablePointer<Builder>
        private var builder: Builder {
            get { state.pointee }
            _modify { yield &state.pointee }
        }
        private var head = 0
        private var bytesRead = 0
        private var finished = false

        init(path: String, recordsPath: [String], limits: XMLLimits, progress: ReadProgress?) throws {
            _ = XMLRecordReader.setUp
            cstar_xml_silence_generic_errors()
            file = path
            self.progress = progress
            state = .allocate(capacity: 1)
            state.initialize(to: Builder(file: path, path: recordsPath, limits: limits))
            if path == "-" {
                fd = 0
                ownsFD = false
            } else {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    state.deinitialize(count: 1)
                    state.deallocate()
                    throw ReaderError(file: path, line: 0, message: FileManager.default.fileExists(atPath: path)
                                      ? "cannot open the file for reading (check its permissions)" : "no such file")
                }
                ownsFD = true
            }
            var sax = xmlSAXHandler()
            sax.initialized = 0xDEEDBEAF  // XML_SAX2_MAGIC: namespaced callbacks and structured errors
            sax.startElementNs = { ctx, localname, prefix, _, _, _, nbAttributes, _, attributes in
                Engine.from(ctx).pointee.startElement(localname, prefix, Int(nbAttributes), attributes)
            }
            sax.endElementNs = { ctx, _, _, _ in Engine.from(ctx).pointee.endElement() }
            sax.characters = { ctx, ch, len in Engine.from(ctx).pointee.characters(ch, Int(len)) }
            sax.cdataBlock = { ctx, ch, len in Engine.from(ctx).pointee.characters(ch, Int(len)) }
            // A DOCTYPE is where entities (and external DTDs) are declared: refused before its content is read.
            sax.internalSubset = { ctx, name, _, _ in Engine.from(ctx).pointee.refuseDTD(name) }
            sax.entityDecl = { ctx, name, _, _, _, _ in Engine.from(ctx).pointee.refuseDTD(name) }
            sax.serror = { ctx, error in
                guard let ctx, let error else { return }
                Engine.from(ctx).pointee.parserError(error.pointee)
            }
            guard let c = xmlCreatePushParserCtxt(&sax, UnsafeMutableRawPointer(state), nil, 0, path) else {
                if ownsFD { close(fd) }
                state.deinitialize(count: 1)
                state.deallocate()
                throw ReaderError(file: path, line: 0, message: "cannot start the XML parser (out of memory?)")
            }
            // No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID, no HUGE (libxml2's limits hold).
            xmlCtxtUseOptions(c, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
            ctxt = c
            builder.ctxt = c
        }

        deinit {
            if let ctxt { xmlFreeParserCtxt(ctxt) }
            if ownsFD { close(fd) }
            state.deinitialize(count: 1)
            state.deallocate()
        }

        /// The builder a callback's context pointer points to (it lives as long as the parser).
        fileprivate static func from(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Builder> {
            ctx!.assumingMemoryBound(to: Builder.self)
        }

        func next() throws -> ReadItem? {
            while head >= builder.queue.count {
                builder.queue.removeAll(keepingCapacity: true)
                head = 0
                if finished { return nil }
                try feed()
            }
            defer { head += 1 }
            return builder.queue[head]
        }

        /// Reads one chunk and parses it; the callbacks queue what it completes.
        private func feed() throws {
            guard let ctxt else { finished = true; return }
            let n = try chunk.withUnsafeMutableBytes { b -> Int in
                while true {
                    let r = read(fd, b.baseAddress!, b.count)
                    if r >= 0 { return r }
                    if errno == EINTR { continue }
                    throw ReaderError(file: file, line: builder.currentLine, message: "read failed: \(String(cString: strerror(errno)))")
                }
            }
            if n > 0 { progress?.add(n); bytesRead += n }
            if n == 0 && bytesRead == 0 { finish(); return }  // an empty file holds no records
            let status = chunk.withUnsafeBytes { b in
                xmlParseChunk(ctxt, b.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(n), n == 0 ? 1 : 0)
            }
            if let stop = builder.refusal ?? builder.parseError
                ?? (status != 0 ? ReaderError(file: file, line: builder.currentLine, message: "malformed XML (libxml2 error \(status))") : nil) {
                let rest = n > 0 ? "; the rest of the file is not read" : ""
                builder.queue.append(.problem(ReaderError(file: file, line: stop.line, message: stop.message + rest)))
                finish()
                return
            }
            if n == 0 {
                if builder.depth > 0 {
                    builder.queue.append(.problem(ReaderError(file: file, line: builder.currentLine, message: "unexpected end of the XML document")))
                }
                finish()
            }
        }

        private func finish() {
            finished = true
            if let ctxt { xmlFreeParserCtxt(ctxt) }
            ctxt = nil
            builder.ctxt = nil
        }
    }

    /// What the callbacks build: where the parser is, the record under construction, and the items completed.
    fileprivate struct Builder {
        let file: String
        let path: [String]
        let limits: XMLLimits
        var ctxt: xmlParserCtxtPtr?
        var queue: [ReadItem] = []
        /// Set by a callback that refuses the document (a DTD); the parser is stopped.
        var refusal: ReaderError?
        var parseError: ReaderError?

        // Where the parser is in the document.
        var depth = 0
        /// Names of the open elements above the records (the root first), and the path they make.
        var ancestors: [String] = []
        var containerPath = ""
        /// Depth of an element off the records path, skipped with everything in it.
        var offPathDepth: Int?
        var skippedWarning = false
        var strayTextWarning = false

        // The record being built.
        struct Frame {
            enum Kind { case plain, array, hash, integer, boolean, float, text }
            var name: String
            var nameID: Int
            var kind: Kind
            var isNil: Bool
            var keys: [String] = []
            var values: [JSONValue] = []
            /// Keys whose value is an array made of repeated elements.
            var repeated: [Int] = []
            var items: [JSONValue] = []
            var attributes: [(String, String)] = []
            /// Text met before a child element (mixed content); the open element's own text is in `Builder.text`.
            var text: [UInt8] = []
            var hasChildren = false
            /// White space before anything else is held in `leadingSpace` until the element shows whether it is a
            /// leaf (then it is its text) or has children (then it is layout).
            var heldSpace = false
        }
        var stack: [Frame] = []
        /// The text of the innermost open element (one buffer, reused: leaves do not nest).
        var text: [UInt8] = []
        var leadingSpace: [UInt8] = []
        /// Per nesting level, where each child name sits in the open element's keys: `index[id]` counts while
        /// `serial[id]` is that element's serial. No allocation per element, constant-time repeat detection.
        struct Level { var serial: [Int] = []; var index: [Int] = [] }
        var levels: [Level] = []
        var serials: [Int] = []
        var nextSerial = 0
        /// Document depth of the record elements (nil until known); records are the elements at this depth.
        var recordDepth: Int?
        var recordLine = 0
        var recordBytes = 0
        var recordPointer = ""
        var poisoned: String?
        var extraDepth = 0
        var index = 0
        var siblingCounts: [String: Int] = [:]
        /// Names come from the parser's dictionary, one pointer per distinct name: each String is made once.
        var names: [UnsafeRawPointer: (id: Int, name: String)] = [:]
        var prefixed: [String: Int] = [:]

        init(file: String, path: [String], limits: XMLLimits) {
            self.file = file
            self.path = path
            self.limits = limits
        }

        var currentLine: Int {
            guard let ctxt, let input = ctxt.pointee.input else { return 0 }
            return Int(input.pointee.line)
        }

        mutating func name(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?) -> (id: Int, name: String) {
            guard let localname else { return (-1, "") }
            guard let prefix else {
                if let known = names[UnsafeRawPointer(localname)] { return known }
                let n = (id: names.count + prefixed.count, name: String(cString: localname))
                names[UnsafeRawPointer(localname)] = n
                return n
            }
            let full = String(cString: prefix) + ":" + String(cString: localname)
            if let id = prefixed[full] { return (id, full) }
            let id = names.count + prefixed.count
            prefixed[full] = id
            return (id, full)
        }

        mutating func stop(_ error: ReaderError) {
            if refusal == nil { refusal = error }
            if let ctxt { xmlStopParser(ctxt) }
        }

        mutating func refuseDTD(_ name: UnsafePointer<xmlChar>?) {
            stop(ReaderError(file: file, line: currentLine, message:
                "the document declares a DTD (<!DOCTYPE \(name.map { String(cString: $0) } ?? "")>), which cstar-io does not read: DTDs are how entity-expansion and external-entity attacks work, and an export has none"))
        }

        mutating func parserError(_ e: xmlError) {
            if e.code == Int32(XML_ERR_USER_STOP.rawValue) { return }  // our own stop; its reason is in `refusal`
            let text = e.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "malformed XML"
            if e.level == XML_ERR_WARNING {
                queue.append(.warning(ReaderError(file: file, line: Int(e.line), message: text)))
                return
            }
            if parseError == nil { parseError = ReaderError(file: file, line: Int(e.line), message: "malformed XML: \(text)") }
        }

        mutating func startElement(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ nbAttributes: Int,
                                   _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            depth += 1
            if let off = offPathDepth, depth > off { return }  // inside a skipped element
            if let recordDepth, depth >= recordDepth {
                startInRecord(localname, prefix, nbAttributes, attributes, isRecord: depth == recordDepth)
                return
            }
            // Above the records: follow the records path (or take the root's children).
            let n = name(localname, prefix).name
            let level = depth - 1
            if path.isEmpty || (level < path.count && n == path[level]) {
                ancestors.append(n)
                if path.isEmpty || level == path.count - 1 {
                    recordDepth = depth + 1
                    containerPath = "/" + ancestors.joined(separator: "/")
                }
                return
            }
            if level == path.count - 1, n == JSONRecordReader.singular(path[level]) {
                // A single-record document (`<ticket>` where tickets are read).
                recordDepth = depth
                containerPath = ancestors.isEmpty ? "" : "/" + ancestors.joined(separator: "/")
                startInRecord(localname, prefix, nbAttributes, attributes, isRecord: true)
                return
            }
            offPathDepth = depth
            if !skippedWarning {
                skippedWarning = true
                queue.append(.warning(ReaderError(file: file, line: currentLine, message:
                    "the document holds <\(n)> where /\(path.joined(separator: "/")) was expected; it is skipped (not records of this kind)")))
            }
        }

        static func equals(_ p: UnsafePointer<xmlChar>, _ count: Int, _ literal: StaticString) -> Bool {
            count == literal.utf8CodeUnitCount && memcmp(p, literal.utf8Start, count) == 0
        }

        mutating func startInRecord(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ nbAttributes: Int,
                                    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, isRecord: Bool) {
            let (id, n) = name(localname, prefix)
            if isRecord {
                index += 1
                recordLine = currentLine
                recordBytes = 0
                poisoned = nil
                extraDepth = 0
                let position = (siblingCounts[n] ?? 0) + 1
                siblingCounts[n] = position
                recordPointer = "\(containerPath)/\(n)[\(position)]"
                stack.removeAll(keepingCapacity: true)
                serials.removeAll(keepingCapacity: true)
                text.removeAll(keepingCapacity: true)
            }
            if poisoned != nil { extraDepth += 1; return }
            if stack.count >= limits.maxDepth {
                poison("elements nested deeper than \(limits.maxDepth) levels inside the record")
                extraDepth += 1
                return
            }
            if !stack.isEmpty {
                stack[stack.count - 1].heldSpace = false  // the parent's white space was layout
                if !text.isEmpty {  // mixed content: the parent's text so far stays with it
                    stack[stack.count - 1].text += text
                    text.removeAll(keepingCapacity: true)
                }
            }
            var kind = Frame.Kind.plain
            var isNil = false
            var extra: [(String, String)] = []
            if let attributes, nbAttributes > 0 {
                for i in 0..<nbAttributes {
                    guard let an = attributes[5 * i], let begin = attributes[5 * i + 3], let end = attributes[5 * i + 4] else { continue }
                    let count = end - begin
                    if attributes[5 * i + 1] == nil, Self.equals(an, strlen(an), "type") {
                        if Self.equals(begin, count, "integer") { kind = .integer }
                        else if Self.equals(begin, count, "boolean") { kind = .boolean }
                        else if Self.equals(begin, count, "array") { kind = .array }
                        else if Self.equals(begin, count, "hash") { kind = .hash }
                        else if Self.equals(begin, count, "float") || Self.equals(begin, count, "double") || Self.equals(begin, count, "decimal") { kind = .float }
                        else { kind = .text }  // datetime, date, string, symbol, yaml, base64Binary: the text as written
                    } else if attributes[5 * i + 1] == nil, Self.equals(an, strlen(an), "nil") {
                        isNil = Self.equals(begin, count, "true")
                    } else {
                        extra.append(("@" + name(an, attributes[5 * i + 1]).name,
                                      String(decoding: UnsafeBufferPointer(start: begin, count: count), as: UTF8.self)))
                    }
                }
            }
            recordBytes += n.utf8.count
            nextSerial += 1
            serials.append(nextSerial)
            stack.append(Frame(name: n, nameID: id, kind: kind, isNil: isNil, attributes: extra))
        }

        static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 10 || c == 13 || c == 9 }

        mutating func characters(_ ch: UnsafePointer<xmlChar>?, _ len: Int) {
            guard let ch, len > 0 else { return }
            let bytes = UnsafeBufferPointer(start: ch, count: len)
            guard recordDepth != nil, !stack.isEmpty, poisoned == nil, extraDepth == 0 else {
                if recordDepth != nil, stack.isEmpty, poisoned == nil, offPathDepth == nil, !strayTextWarning, bytes.contains(where: { !Self.isSpace($0) }) {
                    strayTextWarning = true
                    queue.append(.warning(ReaderError(file: file, line: currentLine, message:
                        "text directly inside <\(ancestors.last ?? "?")>, outside any record, is not read")))
                }
                return
            }
            let top = stack.count - 1
            let allSpace = !bytes.contains(where: { !Self.isSpace($0) })
            if allSpace {
                if stack[top].hasChildren || stack[top].kind == .array || stack[top].kind == .hash { return }  // layout between child elements
                if text.isEmpty {
                    if !stack[top].heldSpace { leadingSpace.removeAll(keepingCapacity: true); stack[top].heldSpace = true }
                    guard leadingSpace.count + len <= limits.maxTextBytes else {
                        return poison("the text of <\(stack[top].name)> is longer than \(limits.maxTextBytes / 1_000_000) MB")
                    }
                    leadingSpace.append(contentsOf: bytes)
                    return
                }
            }
            if stack[top].heldSpace {
                text.append(contentsOf: leadingSpace)
                stack[top].heldSpace = false
            }
            if text.count + len > limits.maxTextBytes {
                return poison("the text of <\(stack[top].name)> is longer than \(limits.maxTextBytes / 1_000_000) MB")
            }
            recordBytes += len
            if recordBytes > limits.maxRecordBytes {
                return poison("the record is larger than \(limits.maxRecordBytes >> 20) MiB")
            }
            text.append(contentsOf: bytes)
        }

        mutating func poison(_ why: String) {
            if poisoned == nil { poisoned = "\(why) (at line \(currentLine)); the record is not read" }
            stack.removeAll()
            serials.removeAll()
            text.removeAll(keepingCapacity: true)
        }

        mutating func endElement() {
            defer { depth -= 1 }
            if let off = offPathDepth, depth >= off {
                if depth == off { offPathDepth = nil }
                return
            }
            guard let recordDepth, depth >= recordDepth else {
                if !ancestors.isEmpty { ancestors.removeLast() }
                if let rd = recordDepth, depth == rd - 1 { self.recordDepth = nil }
                return
            }
            let closesRecord = depth == recordDepth
            if extraDepth > 0 {
                extraDepth -= 1
                return
            }
            if let why = poisoned {
                if closesRecord {
                    queue.append(.problem(ReaderError(file: file, line: recordLine, message: "record \(recordPointer): \(why)")))
                    poisoned = nil
                    stack.removeAll(keepingCapacity: true)
                }
                return
            }
            guard let frame = stack.popLast() else { return }
            serials.removeLast()
            let result: Result<JSONValue, Invalid>
            if frame.heldSpace, text.isEmpty, !frame.hasChildren {
                result = Self.value(of: frame, text: leadingSpace)
            } else if frame.text.isEmpty {
                result = Self.value(of: frame, text: text)
            } else {
                result = Self.value(of: frame, text: frame.text + text)
            }
            text.removeAll(keepingCapacity: true)
            let value: JSONValue
            switch result {
            case .success(let v): value = v
            case .failure(let why):
                poison("<\(frame.name)>: \(why.message)")
                if closesRecord {
                    queue.append(.problem(ReaderError(file: file, line: recordLine, message: "record \(recordPointer): \(poisoned!)")))
                    poisoned = nil
                }
                return
            }
            if stack.isEmpty {
                guard case .object(let o) = value else {
                    queue.append(.problem(ReaderError(file: file, line: recordLine, message:
                        "record \(recordPointer) is \(value.isNull ? "empty" : "a \(value.typeName)"), expected an element with child elements")))
                    return
                }
                queue.append(.record(Record(fields: o, location: SourceLocation(file: file, line: recordLine, index: index, pointer: recordPointer))))
                return
            }
            let top = stack.count - 1
            if stack[top].kind == .array {
                stack[top].items.append(value)
                return
            }
            stack[top].hasChildren = true
            stack[top].heldSpace = false
            let id = frame.nameID
            if levels.count <= top { levels.append(contentsOf: repeatElement(Level(), count: top + 1 - levels.count)) }
            if levels[top].serial.count <= id {
                let grow = max(id + 1, 64) - levels[top].serial.count
                levels[top].serial.append(contentsOf: repeatElement(0, count: grow))
                levels[top].index.append(contentsOf: repeatElement(0, count: grow))
            }
            if levels[top].serial[id] == serials[top] {
                let i = levels[top].index[id]
                // A repeated element: its values are an array, in order (moved out, so appending does not copy).
                if stack[top].repeated.contains(id), case .array(var list) = stack[top].values[i] {
                    stack[top].values[i] = .null
                    list.append(value)
                    stack[top].values[i] = .array(list)
                } else {
                    stack[top].repeated.append(id)
                    stack[top].values[i] = .array([stack[top].values[i], value])
                }
            } else {
                levels[top].serial[id] = serials[top]
                levels[top].index[id] = stack[top].keys.count
                if stack[top].keys.isEmpty {
                    stack[top].keys.reserveCapacity(16)
                    stack[top].values.reserveCapacity(16)
                }
                stack[top].keys.append(frame.name)
                stack[top].values.append(value)
            }
        }

        struct Invalid: Error { var message: String }

        static func string(_ bytes: [UInt8]) -> JSONValue {
            bytes.isEmpty ? .null : .string(String(decoding: bytes, as: UTF8.self))
        }

        /// The text without surrounding ASCII white space.
        static func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
            var s = bytes[...]
            while let c = s.first, isSpace(c) { s = s.dropFirst() }
            while let c = s.last, isSpace(c) { s = s.dropLast() }
            return s
        }

        /// A decimal integer, with an optional sign; nil when the text is not one or does not fit 64 bits.
        static func integer(_ t: ArraySlice<UInt8>) -> Int64? {
            var s = t
            var negative = false
            if let c = s.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { negative = c == UInt8(ascii: "-"); s = s.dropFirst() }
            guard !s.isEmpty else { return nil }
            var v: Int64 = 0
            for c in s {
                guard c >= 48 && c <= 57 else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(c - 48)) : m.addingReportingOverflow(Int64(c - 48))
                if o1 || o2 { return nil }
                v = a
            }
            return v
        }

        static func value(of f: Frame, text: [UInt8]) -> Result<JSONValue, Invalid> {
            if f.isNil { return .success(.null) }
            switch f.kind {
            case .array:
                return .success(.array(f.items))
            case .plain, .hash:
                // An element with children is an object; other attributes of a leaf are not kept (Rails writes none).
                guard f.hasChildren || f.kind == .hash else { return .success(string(text)) }
                let hasText = text.contains(where: { !isSpace($0) })
                guard !f.attributes.isEmpty || hasText else { return .success(.object(JSONObject(keys: f.keys, values: f.values))) }
                var o = JSONObject()
                for (k, v) in f.attributes { o[k] = .string(v) }
                for (k, v) in zip(f.keys, f.values) { o.appendUnchecked(k, v) }
                if hasText { o["#text"] = .string(String(decoding: text, as: UTF8.self)) }
                return .success(.object(o))
            case .text:
                return .success(string(text))
            case .integer:
                let t = trimmed(text)
                if t.isEmpty { return .success(.null) }
                guard let i = integer(t) else { return .failure(Invalid(message: "type=\"integer\" but the text is '\(String(decoding: t.prefix(40), as: UTF8.self))'")) }
                return .success(.int(i))
            case .boolean:
                let t = trimmed(text)
                if t.isEmpty { return .success(.null) }
                if t.elementsEqual("true".utf8) || t.elementsEqual("1".utf8) { return .success(.bool(true)) }
                if t.elementsEqual("false".utf8) || t.elementsEqual("0".utf8) { return .success(.bool(false)) }
                return .failure(Invalid(message: "type=\"boolean\" but the text is '\(String(decoding: t.prefix(40), as: UTF8.self))'"))
            case .float:
                let t = trimmed(text)
                if t.isEmpty { return .success(.null) }
                guard let d = Double(String(decoding: t, as: UTF8.self)), d.isFinite else {
                    return .failure(Invalid(message: "type=\"float\" but the text is '\(String(decoding: t.prefix(40), as: UTF8.self))'"))
                }
                return .success(.double(d))
            }
        }
    }
}
#endif
