import Foundation
import GRDB

/// `/settings` and its sub-resources. Reads are documented; how sub-resources are written is not, so the
/// sandbox takes PATCH on each sub-resource path (see docs/api-assumptions.md).
struct SettingsHandler {
    let router: Router
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func defaults(team: SandboxTeam?) -> SJSON {
        let statuses: [SJSON] = [
            ("new", "New", "#A855F7"), ("open", "Open", "#3B82F6"), ("pending", "Pending", "#F59E0B"),
            ("resolved", "Resolved", "#10B981"), ("closed", "Closed", "#6B7280"),
        ].enumerated().map { i, s in
            .object([("key", .string(s.0)), ("label", .string(s.1)), ("color", .string(s.2)), ("position", .int(Int64(i + 1))), ("isProtected", .bool(true))])
        }
        let day: (Bool) -> SJSON = { on in .object([("enabled", .bool(on)), ("start", .string("09:00")), ("end", .string("17:00"))]) }
        return .object([
            ("teamName", .string(team?.name ?? "Sandbox Team")), ("teamSlug", .string(team?.slug ?? "sandbox")),
            ("statuses", .array(statuses)),
            ("businessHours", .object([("enabled", .bool(false)), ("timezone", .string("UTC")),
                                       ("schedule", .object(weekdays.map { ($0, day(!["saturday", "sunday"].contains($0))) }))])),
            ("widget", .object([("position", .string("bottom-right")), ("primaryColor", .string("#F87171"))])),
        ])
    }

    func load() throws -> SJSON {
        if let text = try String.fetchOne(router.db, sql: "SELECT data FROM settings WHERE team_id = ?", arguments: [router.ctx.teamId]),
           let json = SJSON.parse(Data(text.utf8)) {
            return json
        }
        let team = try SandboxStore.teams(router.db).first { $0.id == router.ctx.teamId }
        return Self.defaults(team: team)
    }

    func save(_ s: SJSON) throws {
        try router.db.execute(sql: "INSERT OR REPLACE INTO settings (team_id, data) VALUES (?, ?)", arguments: [router.ctx.teamId, s.encoded()])
    }

    func run() throws -> SandboxResponse {
        let rest = router.ctx.rest
        let method = router.method
        var settings = try load()
        let sub = rest.count == 2 ? rest[1] : nil
        guard rest.count <= 2 else { throw router.notFound() }
        switch (method, sub) {
        case ("GET", nil):
            return ok(.object([("object", .string("settings")), ("teamName", settings["teamName"]!), ("teamSlug", settings["teamSlug"]!)]))
        case ("PATCH", nil):
            let body = try router.ctx.body()
            guard let pairs = body.objectPairs else { throw APIError.invalid("body", "Expected a JSON object.") }
            var changed: [(String, SJSON)] = [("object", .string("settings"))]
            for (k, v) in pairs {
                guard ["teamName", "teamSlug"].contains(k) else {
                    throw APIError(status: 400, type: "invalid_request_error", code: "parameter_unknown", message: "Unknown settings field '\(k)'.", param: k)
                }
                guard let s = v.stringValue, !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw APIError.invalid(k, "'\(k)' must be a non-empty string.") }
                settings = settings.setting(k, .string(s))
                changed.append((k, .string(s)))
            }
            try save(settings)
            return ok(.object(changed))
        case ("GET", "statuses"):
            return ok(settings["statuses"] ?? .array([]))
        case ("PATCH", "statuses"):
            let statuses = try validateStatuses(try router.ctx.body()["statuses"])
            settings = settings.setting("statuses", statuses)
            try save(settings)
            return ok(statuses)
        case ("GET", "business-hours"):
            return ok(.object([("object", .string("business_hours"))] + (settings["businessHours"]?.objectPairs ?? [])))
        case ("PATCH", "business-hours"):
            var hours = settings["businessHours"] ?? .object([])
            let body = try router.ctx.body()
            guard let pairs = body.objectPairs else { throw APIError.invalid("body", "Expected a JSON object.") }
            for (k, v) in pairs {
                switch k {
                case "enabled":
                    guard v.boolValue != nil else { throw APIError.invalid("enabled", "'enabled' must be a boolean.") }
                case "timezone":
                    guard let tz = v.stringValue, TimeZone(identifier: tz) != nil else { throw APIError.invalid("timezone", "'timezone' must be an IANA time zone such as America/New_York.") }
                case "schedule":
                    try validateSchedule(v)
                default:
                    throw APIError(status: 400, type: "invalid_request_error", code: "parameter_unknown", message: "Unknown business-hours field '\(k)'.", param: k)
                }
                if k == "schedule", let days = v.objectPairs {
                    var merged = hours["schedule"] ?? .object([])
                    for (d, spec) in days { merged = merged.setting(d, spec) }
                    hours = hours.setting(k, merged)
                } else {
                    hours = hours.setting(k, v)
                }
            }
            settings = settings.setting("businessHours", hours)
            try save(settings)
            return ok(.object([("object", .string("business_hours"))] + (hours.objectPairs ?? [])))
        case ("GET", "widget"):
            return ok(.object([("object", .string("widget_settings"))] + (settings["widget"]?.objectPairs ?? [])))
        case ("PATCH", "widget"):
            var widget = settings["widget"] ?? .object([])
            let body = try router.ctx.body()
            guard let pairs = body.objectPairs else { throw APIError.invalid("body", "Expected a JSON object.") }
            for (k, v) in pairs {
                switch k {
                case "position":
                    guard let p = v.stringValue, ["bottom-right", "bottom-left"].contains(p) else { throw APIError.invalid(k, "'position' must be bottom-right or bottom-left.") }
                case "primaryColor":
                    guard let c = v.stringValue, Self.isColor(c) else { throw APIError.invalid(k, "'primaryColor' must be a #RRGGBB color.") }
                default:
                    throw APIError(status: 400, type: "invalid_request_error", code: "parameter_unknown", message: "Unknown widget field '\(k)'.", param: k)
                }
                widget = widget.setting(k, v)
            }
            settings = settings.setting("widget", widget)
            try save(settings)
            return ok(.object([("object", .string("widget_settings"))] + (widget.objectPairs ?? [])))
        default:
            throw router.notFound()
        }
    }

    func ok(_ data: SJSON) -> SandboxResponse { .success(data, requestId: router.ctx.requestId) }

    func validateStatuses(_ value: SJSON?) throws -> SJSON {
        guard let items = value?.arrayValue else { throw APIError.missing("statuses") }
        var keys = Set<String>()
        var out: [SJSON] = []
        for (i, item) in items.enumerated() {
            let p = "statuses[\(i)]"
            guard let key = item["key"]?.stringValue, !key.isEmpty else { throw APIError.missing("\(p).key") }
            guard let label = item["label"]?.stringValue, !label.isEmpty else { throw APIError.missing("\(p).label") }
            guard keys.insert(key).inserted else { throw APIError.invalid("\(p).key", "Duplicate status key '\(key)'.") }
            let color = item["color"]?.stringValue ?? "#6B7280"
            guard Self.isColor(color) else { throw APIError.invalid("\(p).color", "'color' must be a #RRGGBB color.") }
            let protected = Schemas.ticketStatuses.contains(key)
            out.append(.object([("key", .string(key)), ("label", .string(label)), ("color", .string(color)),
                                ("position", .int(item["position"]?.intValue ?? Int64(i + 1))), ("isProtected", .bool(protected))]))
        }
        for required in Schemas.ticketStatuses where !keys.contains(required) {
            throw APIError.invalid("statuses", "The protected status '\(required)' cannot be removed.")
        }
        return .array(out)
    }

    func validateSchedule(_ v: SJSON) throws {
        guard let days = v.objectPairs else { throw APIError.invalid("schedule", "'schedule' must be an object keyed by weekday.") }
        for (day, spec) in days {
            guard Self.weekdays.contains(day) else { throw APIError.invalid("schedule.\(day)", "Unknown weekday '\(day)'.") }
            guard spec["enabled"]?.boolValue != nil else { throw APIError.invalid("schedule.\(day).enabled", "'enabled' must be a boolean.") }
            for k in ["start", "end"] {
                guard let t = spec[k]?.stringValue, Self.isTime(t) else { throw APIError.invalid("schedule.\(day).\(k)", "'\(k)' must be HH:MM.") }
            }
            if let s = spec["start"]?.stringValue, let e = spec["end"]?.stringValue, s >= e {
                throw APIError.invalid("schedule.\(day).end", "'end' must be after 'start'.")
            }
        }
    }

    static func isTime(_ s: String) -> Bool {
        let p = s.split(separator: ":")
        guard p.count == 2, p[0].count == 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]) else { return false }
        return (0...23).contains(h) && (0...59).contains(m)
    }

    static func isColor(_ s: String) -> Bool { s.count == 7 && s.hasPrefix("#") && s.dropFirst().allSatisfy(\.isHexDigit) }
}
