import Foundation
#if CSTAR_LIBXML2
import CLibXML2
#endif

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

    /// The parser and the record being built. Callbacks from libxml2 reach it through the context pointer.
    final class Engine {
        let file: String
        let limits: XMLLimits
        let path: [String]
        let progress: ReadProgress?
        private let fd: Int32
        private let ownsFD: Bool
        private var ctxt: xmlParserCtxtPtr?
        private var chunk = [UInt8](repeating: 0, count: 64 << 10)
        private var queue: [ReadItem] = []
        private var head = 0
        private var bytesRead = 0
        private var finished = false
        /// Set by a callback that refuses the document (a DTD); the parser is stopped.
        private var refusal: ReaderError?
        private var parseError: ReaderError?

        // Where the parser is in the document.
        private var depth = 0
        /// Names of the open elements above the records (the root first).
        private var ancestors: [String] = []
        /// Depth of an element off the records path, skipped with everything in it.
        private var offPathDepth: Int?
        private var skippedWarning = false
        private var strayTextWarning = false

        // The record being built.
        private struct Frame {
            enum Kind { case plain, array, hash, integer, boolean, float, text }
            var name: String
            var kind: Kind
            var isNil: Bool
            var object = JSONObject()
            var items: [JSONValue] = []
            var repeated: Set<String> = []
            var attributes: [(String, String)] = []
            var text: [UInt8] = []
            var hasChildren = false
        }
        private var stack: [Frame] = []
        /// Document depth of the record elements (nil until known); records are the elements at this depth.
        private var recordDepth: Int?
        private var recordLine = 0
        private var recordBytes = 0
        private var recordPointer = ""
        private var poisoned: String?
        private var extraDepth = 0
        private var index = 0
        private var siblingCounts: [String: Int] = [:]
        private var names: [UnsafeRawPointer: String] = [:]

        init(path: String, recordsPath: [String], limits: XMLLimits, progress: ReadProgress?) throws {
            _ = XMLRecordReader.setUp
            cstar_xml_silence_generic_errors()
            file = path
            self.limits = limits
            self.path = recordsPath
            self.progress = progress
            if path == "-" {
                fd = 0
                ownsFD = false
            } else {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    throw ReaderError(file: path, line: 0, message: FileManager.default.fileExists(atPath: path)
                                      ? "cannot open the file for reading (check its permissions)" : "no such file")
                }
                ownsFD = true
            }
            var sax = xmlSAXHandler()
            sax.initialized = 0xDEEDBEAF  // XML_SAX2_MAGIC: namespaced callbacks and structured errors
            sax.startElementNs = { ctx, localname, prefix, _, _, _, nbAttributes, _, attributes in
                Engine.from(ctx).startElement(localname, prefix, Int(nbAttributes), attributes)
            }
            sax.endElementNs = { ctx, _, _, _ in Engine.from(ctx).endElement() }
            sax.characters = { ctx, ch, len in Engine.from(ctx).characters(ch, Int(len)) }
            sax.cdataBlock = { ctx, ch, len in Engine.from(ctx).characters(ch, Int(len)) }
            // A DOCTYPE is where entities (and external DTDs) are declared: refused before its content is read.
            sax.internalSubset = { ctx, name, _, _ in Engine.from(ctx).refuseDTD(name) }
            sax.entityDecl = { ctx, name, _, _, _, _ in Engine.from(ctx).refuseDTD(name) }
            sax.serror = { ctx, error in
                guard let ctx, let error else { return }
                Engine.from(ctx).parserError(error.pointee)
            }
            let me = Unmanaged.passUnretained(self).toOpaque()
            guard let c = xmlCreatePushParserCtxt(&sax, me, nil, 0, path) else {
                if ownsFD { close(fd) }
                throw ReaderError(file: path, line: 0, message: "cannot start the XML parser (out of memory?)")
            }
            // No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID, no HUGE (libxml2's limits hold).
            xmlCtxtUseOptions(c, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
            ctxt = c
        }

        deinit {
            if let ctxt { xmlFreeParserCtxt(ctxt) }
            if ownsFD { close(fd) }
        }

        static func from(_ ctx: UnsafeMutableRawPointer?) -> Engine {
            Unmanaged<Engine>.fromOpaque(ctx!).takeUnretainedValue()
        }

        func next() throws -> ReadItem? {
            while head >= queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
                if finished { return nil }
                try feed()
            }
            defer { head += 1 }
            return queue[head]
        }

        /// Reads one chunk and parses it; the callbacks queue what it completes.
        private func feed() throws {
            guard let ctxt else { finished = true; return }
            let n = try chunk.withUnsafeMutableBytes { b -> Int in
                while true {
                    let r = read(fd, b.baseAddress!, b.count)
                    if r >= 0 { return r }
                    if errno == EINTR { continue }
                    throw ReaderError(file: file, line: currentLine, message: "read failed: \(String(cString: strerror(errno)))")
                }
            }
            if n > 0 { progress?.add(n); bytesRead += n }
            if n == 0 && bytesRead == 0 { finish(); return }  // an empty file holds no records
            let status = chunk.withUnsafeBytes { b in
                xmlParseChunk(ctxt, b.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(n), n == 0 ? 1 : 0)
            }
            if let stop = refusal ?? parseError ?? (status != 0 ? ReaderError(file: file, line: currentLine, message: "malformed XML (libxml2 error \(status))") : nil) {
                let rest = n > 0 ? "; the rest of the file is not read" : ""
                queue.append(.problem(ReaderError(file: file, line: stop.line, message: stop.message + rest)))
                finish()
                return
            }
            if n == 0 {
                if depth > 0 || !stack.isEmpty {
                    queue.append(.problem(ReaderError(file: file, line: currentLine, message: "unexpected end of the XML document inside <\(ancestors.last ?? "?")>")))
                }
                finish()
            }
        }

        private func finish() {
            finished = true
            if let ctxt { xmlFreeParserCtxt(ctxt) }
            ctxt = nil
        }

        private var currentLine: Int {
            guard let ctxt, let input = ctxt.pointee.input else { return 0 }
            return Int(input.pointee.line)
        }

        // MARK: Callbacks

        private func name(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?) -> String {
            guard let localname else { return "" }
            // Names come from the parser's dictionary: one pointer per distinct name, so the String is made once.
            let key = UnsafeRawPointer(prefix ?? localname)
            if prefix == nil, let cached = names[key] { return cached }
            let local = String(cString: localname)
            guard let prefix else { names[key] = local; return local }
            return String(cString: prefix) + ":" + local
        }

        private func stop(_ error: ReaderError) {
            if refusal == nil { refusal = error }
            if let ctxt { xmlStopParser(ctxt) }
        }

        fileprivate func refuseDTD(_ name: UnsafePointer<xmlChar>?) {
            stop(ReaderError(file: file, line: currentLine, message:
                "the document declares a DTD (<!DOCTYPE \(name.map { String(cString: $0) } ?? "")>), which cstar-io does not read: DTDs are how entity-expansion and external-entity attacks work, and an export has none"))
        }

        fileprivate func parserError(_ e: xmlError) {
            let text = e.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "malformed XML"
            if e.code == Int32(XML_ERR_USER_STOP.rawValue) { return }  // our own stop; its reason is in `refusal`
            if e.level == XML_ERR_WARNING {
                queue.append(.warning(ReaderError(file: file, line: Int(e.line), message: text)))
                return
            }
            if parseError == nil { parseError = ReaderError(file: file, line: Int(e.line), message: "malformed XML: \(text)") }
        }

        fileprivate func startElement(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ nbAttributes: Int,
                                      _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            depth += 1
            if let off = offPathDepth, depth > off { return }  // inside a skipped element
            if let recordDepth, depth >= recordDepth {
                startInRecord(localname, prefix, nbAttributes, attributes, isRecord: depth == recordDepth)
                return
            }
            // Above the records: follow the records path (or take the root's children).
            let n = name(localname, prefix)
            let level = depth - 1
            if path.isEmpty {
                ancestors.append(n)
                recordDepth = depth + 1
                return
            }
            if level < path.count, n == path[level] {
                ancestors.append(n)
                if level == path.count - 1 { recordDepth = depth + 1 }
                return
            }
            if level == path.count - 1, n == JSONRecordReader.singular(path[level]) {
                // A single-record document (`<ticket>` where tickets are read).
                recordDepth = depth
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

        private func startInRecord(_ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?, _ nbAttributes: Int,
                                   _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, isRecord: Bool) {
            let n = name(localname, prefix)
            if isRecord {
                index += 1
                recordLine = currentLine
                recordBytes = 0
                poisoned = nil
                extraDepth = 0
                let position = (siblingCounts[n] ?? 0) + 1
                siblingCounts[n] = position
                recordPointer = (ancestors.isEmpty ? "" : "/" + ancestors.joined(separator: "/")) + "/\(n)[\(position)]"
                stack.removeAll(keepingCapacity: true)
            }
            if poisoned != nil { extraDepth += 1; return }
            if stack.count >= limits.maxDepth {
                poison("elements nested deeper than \(limits.maxDepth) levels inside the record")
                extraDepth += 1
                return
            }
            var kind = Frame.Kind.plain
            var isNil = false
            var extra: [(String, String)] = []
            if let attributes, nbAttributes > 0 {
                for i in 0..<nbAttributes {
                    let an = name(attributes[5 * i], attributes[5 * i + 1])
                    guard let begin = attributes[5 * i + 3], let end = attributes[5 * i + 4] else { continue }
                    let value = String(decoding: UnsafeBufferPointer(start: begin, count: end - begin), as: UTF8.self)
                    switch an {
                    case "type":
                        switch value {
                        case "array": kind = .array
                        case "hash": kind = .hash
                        case "integer": kind = .integer
                        case "boolean": kind = .boolean
                        case "float", "double", "decimal": kind = .float
                        default: kind = .text  // datetime, date, string, symbol, yaml, base64Binary: the text as written
                        }
                    case "nil": isNil = value == "true"
                    default: extra.append(("@" + an, value))
                    }
                }
            }
            recordBytes += n.utf8.count
            stack.append(Frame(name: n, kind: kind, isNil: isNil, attributes: extra))
        }

        fileprivate func characters(_ ch: UnsafePointer<xmlChar>?, _ len: Int) {
            guard let ch, len > 0 else { return }
            guard recordDepth != nil, !stack.isEmpty, poisoned == nil, extraDepth == 0 else {
                if recordDepth != nil, stack.isEmpty, poisoned == nil, !strayTextWarning,
                   UnsafeBufferPointer(start: ch, count: len).contains(where: { !Self.isSpace($0) }) {
                    strayTextWarning = true
                    queue.append(.warning(ReaderError(file: file, line: currentLine, message:
                        "text directly inside <\(ancestors.last ?? "?")>, outside any record, is not read")))
                }
                return
            }
            let top = stack.count - 1
            if stack[top].text.count + len > limits.maxTextBytes {
                poison("the text of <\(stack[top].name)> is longer than \(limits.maxTextBytes / 1_000_000) MB")
                return
            }
            recordBytes += len
            if recordBytes > limits.maxRecordBytes {
                poison("the record is larger than \(limits.maxRecordBytes >> 20) MiB")
                return
            }
            stack[top].text.append(contentsOf: UnsafeBufferPointer(start: ch, count: len))
        }

        private func poison(_ why: String) {
            if poisoned == nil { poisoned = "\(why) (at line \(currentLine)); the record is not read" }
            stack.removeAll()
        }

        static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 10 || c == 13 || c == 9 }

        fileprivate func endElement() {
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
                    extraDepth = 0
                    stack.removeAll(keepingCapacity: true)
                }
                return
            }
            guard let frame = stack.popLast() else { return }
            let value: JSONValue
            do {
                value = try Self.value(of: frame)
            } catch let why as Invalid {
                poison("<\(frame.name)>: \(why.message)")
                if closesRecord {
                    queue.append(.problem(ReaderError(file: file, line: recordLine, message: "record \(recordPointer): \(poisoned!)")))
                    poisoned = nil
                }
                return
            } catch {
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
            if stack[top].repeated.contains(frame.name), case .array(var list)? = stack[top].object[frame.name] {
                // A repeated element: its values are an array, in order (moved out, so appending does not copy).
                stack[top].object[frame.name] = .null
                list.append(value)
                stack[top].object[frame.name] = .array(list)
            } else if let existing = stack[top].object[frame.name] {
                stack[top].repeated.insert(frame.name)
                stack[top].object[frame.name] = .array([existing, value])
            } else {
                stack[top].object.appendUnchecked(frame.name, value)
            }
        }

        struct Invalid: Error { var message: String }

        private static func value(of f: Frame) throws -> JSONValue {
            if f.isNil { return .null }
            switch f.kind {
            case .array:
                return .array(f.items)
            case .plain, .hash:
                // An element with children is an object; other attributes of a leaf are not kept (Rails writes none).
                if f.hasChildren || f.kind == .hash {
                    guard !f.attributes.isEmpty || f.text.contains(where: { !isSpace($0) }) else { return .object(f.object) }
                    var o = JSONObject()
                    for (k, v) in f.attributes { o[k] = .string(v) }
                    for (k, v) in f.object.pairs { o.appendUnchecked(k, v) }
                    if f.text.contains(where: { !isSpace($0) }) { o["#text"] = .string(String(decoding: f.text, as: UTF8.self)) }
                    return .object(o)
                }
                return f.text.isEmpty ? .null : .string(String(decoding: f.text, as: UTF8.self))
            case .text:
                return f.text.isEmpty ? .null : .string(String(decoding: f.text, as: UTF8.self))
            case .integer, .boolean, .float:
                let t = String(decoding: f.text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if t.isEmpty { return .null }
                switch f.kind {
                case .integer:
                    guard let i = Int64(t) else { throw Invalid(message: "type=\"integer\" but the text is '\(t.prefix(40))'") }
                    return .int(i)
                case .boolean:
                    switch t {
                    case "true", "1": return .bool(true)
                    case "false", "0": return .bool(false)
                    default: throw Invalid(message: "type=\"boolean\" but the text is '\(t.prefix(40))'")
                    }
                default:
                    guard let d = Double(t), d.isFinite else { throw Invalid(message: "type=\"float\" but the text is '\(t.prefix(40))'") }
                    return .double(d)
                }
            }
        }
    }
}
#endif
