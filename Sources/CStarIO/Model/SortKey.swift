import Foundation

/// Text that sorts source values as they compare: integers zero-padded, dates as ISO 8601 UTC, the rest as text
/// (child `order`, `latestBy` versions).
enum SortKey {
    /// A version value as text that sorts like the value: dates as ISO 8601 UTC, numbers zero-padded.
    /// `missing` stands for no value: last for ordering children (`~` follows digits and letters, so a child without
    /// a time does not jump ahead), lowest for versions (a copy without `updated_at` never wins).
    static func of(_ v: JSONValue?, missing: String = "~") -> String {
        guard let v, !v.isNull else { return missing }
        if let i = v.intValue { return String(format: "%020lld", i) }
        if let iso = DateParsing.normalise(v, format: .iso8601) { return iso }
        return v.scalarText ?? ""
    }
}
