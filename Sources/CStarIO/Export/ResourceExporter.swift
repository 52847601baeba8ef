import Foundation

/// Output formats of `export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json, ndjson
}

/// Streams every record of a resource from cStar's list endpoint into a file, page by page
/// (memory does not grow with the number of records).
public struct ResourceExporter {
    public let client: CStarClient

    public init(client: CStarClient) {
        self.client = client
    }

    /// Stable CSV column order per resource.
    public static func columns(for resource: TargetResource) -> [String] {
        switch resource {
        case .customers:
            return ["id", "name", "email", "status", "sentiment", "tags", "notes", "customFields", "metadata", "ticketCount", "createdAt", "updatedAt"]
        default:
            return ["id", "createdAt", "updatedAt"]
        }
    }

    /// Writes all records; returns how many. The file appears only when complete.
    @discardableResult
    public func export(_ resource: TargetResource, format: ExportFormat, to path: String, guardFormulas: Bool = false,
                       onPage: (Int) -> Void = { _ in }) async throws -> Int {
        let out = try LineWriter(path: path)
        do {
            let csv = CSVWriter(columns: Self.columns(for: resource), guardFormulas: guardFormulas)
            switch format {
            case .csv: try out.write(csv.header())
            case .json: try out.write("[")
            case .ndjson: break
            }
            var count = 0
            var page = 1
            while true {
                let response = try await client.send(.GET, CStarAPI.listPath(resource),
                                                     query: [("page", String(page)), ("pageSize", String(CStarAPI.maxPageSize))])
                let items = response.data.arrayValue ?? []
                for item in items {
                    guard let o = item.objectValue else { continue }
                    switch format {
                    case .csv: try out.write(csv.row(for: o))
                    case .json:
                        try out.write(count == 0 ? "\n" : ",\n")
                        try out.write(JSONSerializer.bytes(item))
                    case .ndjson:
                        try out.write(JSONSerializer.bytes(item) + [10])
                    }
                    count += 1
                }
                onPage(count)
                let more = response.hasMore ?? (items.count == CStarAPI.maxPageSize)
                if !more || items.isEmpty { break }
                page += 1
            }
            if format == .json { try out.write(count == 0 ? "]\n" : "\n]\n") }
            try out.commit()
            return count
        } catch {
            out.discard()
            throw error
        }
    }
}
