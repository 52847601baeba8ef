import Foundation

/// Checks a create/update/import body against a resource schema and builds the record to store.
struct RecordValidator {
    let schema: ResourceSchema
    let repo: RecordRepository

    /// Fields that are part of the object but never written by clients; ignored when sent back.
    static let readOnly: Set<String> = ["id", "object", "ticketCount", "messageCount", "customerCount", "viewCount", "useCount",
                                        "readTime", "publishedAt", "createdAt", "updatedAt", "userId", "avatarUrl", "roleDisplayName",
                                        "permissions", "level", "xp", "joinedAt", "ticketId", "count"]

    /// Builds a full record from `input`. `existing` is the stored record for updates (partial bodies).
    /// `allowTimestamps` lets imports keep original createdAt/updatedAt; `extraAllowed` names fields the
    /// caller handles itself (e.g. inline `messages` of ticket imports).
    func build(_ input: SJSON, existing: SJSON?, paramPrefix: String = "", extraAllowed: Set<String> = []) throws -> SJSON {
        guard let pairs = input.objectPairs else {
            throw APIError.invalid(paramPrefix.isEmpty ? "body" : String(paramPrefix.dropLast()), "Expected a JSON object, got \(input.typeName).")
        }
        var out: [(String, SJSON)] = existing?.objectPairs ?? []
        func set(_ k: String, _ v: SJSON) {
            if let i = out.firstIndex(where: { $0.0 == k }) { out[i].1 = v } else { out.append((k, v)) }
        }
        for (key, value) in pairs {
            if extraAllowed.contains(key) || Self.readOnly.contains(key) { continue }
            guard let spec = schema.field(key) else {
                throw APIError(status: 400, type: "invalid_request_error", code: "parameter_unknown",
                               message: "Unknown field '\(key)' for \(schema.object).", param: paramPrefix + key)
            }
            set(key, try check(spec, value, param: paramPrefix + key))
        }
        if existing == nil {
            for spec in schema.fields where !out.contains(where: { $0.0 == spec.name }) {
                if spec.required { throw APIError.missing(paramPrefix + spec.name) }
                if let d = spec.defaultValue { set(spec.name, d) }
            }
        }
        for spec in schema.fields where spec.required {
            if let v = out.first(where: { $0.0 == spec.name })?.1, v.isNull || v.stringValue.map(Self.isBlank) == true {
                throw APIError.missing(paramPrefix + spec.name)
            }
        }
        if schema.field("email") != nil, let email = out.first(where: { $0.0 == "email" })?.1.stringValue, !Self.looksLikeEmail(email) {
            throw APIError.invalid(paramPrefix + "email", "'\(email)' is not a valid email address.")
        }
        if let from = schema.slugFrom {
            let current = out.first(where: { $0.0 == "slug" })?.1.stringValue ?? ""
            if current.isEmpty, let source = out.first(where: { $0.0 == from })?.1.stringValue {
                set("slug", .string(try uniqueSlug(Self.slugify(source), excluding: nil)))
            }
        }
        return .object(out)
    }

    func check(_ spec: FieldSpec, _ value: SJSON, param: String) throws -> SJSON {
        func bad(_ expected: String) -> APIError {
            APIError.invalid(param, "Invalid type for '\(spec.name)': expected \(expected), got \(value.typeName).")
        }
        switch spec.type {
        case .string:
            guard case .string = value else { throw bad("string") }
        case .nullableString:
            guard value.isNull || value.stringValue != nil else { throw bad("string or null") }
        case .int:
            guard value.intValue != nil else { throw bad("integer") }
            return .int(value.intValue!)
        case .bool:
            guard case .bool = value else { throw bad("boolean") }
        case .stringArray:
            guard let a = value.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else { throw bad("array of strings") }
        case .object:
            guard value.objectPairs != nil else { throw bad("object") }
        case .oneOf(let allowed):
            guard let s = value.stringValue else { throw bad("string") }
            guard allowed.contains(s) else {
                throw APIError.invalid(param, "Invalid value '\(s)' for '\(spec.name)'. Allowed: \(allowed.joined(separator: ", ")).")
            }
        case .timestamp:
            if value.isNull { return value }
            guard let s = value.stringValue, let d = Timestamps.parse(s) else { throw APIError.invalid(param, "'\(spec.name)' must be an ISO 8601 timestamp.") }
            return .string(Timestamps.format(d))
        case .reference(let resource):
            if value.isNull { return value }
            guard let s = value.stringValue, let target = Schemas.named(resource) else { throw bad("string id") }
            guard let found = try repo.get(target, id: s) else {
                throw APIError.invalid(param, "No such \(target.object): '\(s)'.")
            }
            return .string(found.id)
        }
        return value
    }

    func uniqueSlug(_ base: String, excluding id: String?) throws -> String {
        let key = MatchKey(field: "slug", caseInsensitive: true)
        var candidate = base.isEmpty ? "item" : base
        var n = 2
        while let found = try repo.findByKey(schema, key: key, value: candidate), found.id != id {
            candidate = "\(base)-\(n)"; n += 1
        }
        return candidate
    }

    static func slugify(_ s: String) -> String {
        var out = ""
        var dash = false
        for ch in s.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(ch), ch.isASCII { out.unicodeScalars.append(ch); dash = false }
            else if !dash, !out.isEmpty { out += "-"; dash = true }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }

    /// Whether `s` is empty once trimmed of `CharacterSet.whitespaces` (every scalar is one of them), answered at
    /// the first scalar that is not, without making the trimmed copy.
    static func isBlank(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { CharacterSet.whitespaces.contains($0) }
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(" ")
    }
}

/// Turns stored records into the objects the API returns.
struct RecordRenderer {
    let repo: RecordRepository

    func render(_ schema: ResourceSchema, _ r: StoredRecord) throws -> SJSON {
        var pairs: [(String, SJSON)] = [("id", .string(r.id)), ("object", .string(schema.object))]
        if schema.path == "messages", let ticket = r.data["ticketId"] { pairs.append(("ticketId", ticket)) }
        for spec in schema.fields {
            if let v = r.data[spec.name] { pairs.append((spec.name, v)) }
        }
        switch schema.path {
        case "customers": pairs.append(("ticketCount", .int(Int64(try repo.count("tickets", refId: r.id)))))
        case "tickets": pairs.append(("messageCount", .int(Int64(try repo.count("messages", refId: r.id)))))
        case "customer-groups":
            let n = try Int.fetchOne(repo.db, sql: "SELECT COUNT(*) FROM membership WHERE team_id = ? AND group_id = ?", arguments: [repo.teamId, r.id]) ?? 0
            pairs.append(("customerCount", .int(Int64(n))))
        case "articles":
            let words = (r.data["content"]?.stringValue ?? "").split(whereSeparator: \.isWhitespace).count
            pairs.append(("viewCount", .int(0)))
            pairs.append(("useCount", .int(0)))
            pairs.append(("readTime", .string("\(max(1, (words + 199) / 200)) min")))
            pairs.append(("publishedAt", r.data["status"]?.stringValue == "published" ? .string(r.createdAt) : .null))
        case "members":
            pairs.append(("roleDisplayName", .string((r.data["role"]?.stringValue ?? "").capitalized)))
            pairs.append(("joinedAt", .string(r.createdAt)))
            return .object(pairs)
        default: break
        }
        pairs.append(("createdAt", .string(r.createdAt)))
        if schema.path != "messages" { pairs.append(("updatedAt", .string(r.updatedAt))) }
        return .object(pairs)
    }
}
