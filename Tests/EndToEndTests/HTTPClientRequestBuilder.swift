import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Small raw-HTTP helpers for the end-to-end tests.
enum HTTPClientRequestBuilder {
    static func post(_ url: String, key: String, body: Data, method: HTTPMethod = .POST) -> HTTPClientRequest {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "Authorization", value: "Bearer \(key)")
        req.headers.add(name: "Content-Type", value: "application/json")
        req.body = .bytes(ByteBuffer(bytes: body))
        return req
    }

    static func send(_ url: String, key: String, body: Data, method: HTTPMethod = .POST) async throws -> [String: Any] {
        let res = try await HTTPClient.shared.execute(post(url, key: key, body: body, method: method), timeout: .seconds(60))
        var buffer = try await res.body.collect(upTo: 256 << 20)
        return try JSONSerialization.jsonObject(with: Data(buffer.readBytes(length: buffer.readableBytes) ?? [])) as? [String: Any] ?? [:]
    }
}
