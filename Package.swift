// swift-tools-version:6.1
import Foundation
import PackageDescription

// libxml2 is optional: with its headers installed (apt-get install libxml2-dev) CStarIO reads XML exports through
// it; without them everything else builds and the XML format says how to enable it. CSTAR_IO_NO_LIBXML2=1 builds
// without it even where the headers are (to check that configuration).
let libxml2 = FileManager.default.fileExists(atPath: "/usr/include/libxml2/libxml/parser.h")
    && ProcessInfo.processInfo.environment["CSTAR_IO_NO_LIBXML2"] == nil
let libxml2Targets: [Target] = libxml2
    ? [.systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])])]
    : []

let package = Package(
    name: "cstar-io",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cstar-io", targets: ["cstar-io"]),
        .library(name: "CStarIO", targets: ["CStarIO"]),
        .library(name: "CStarSandbox", targets: ["CStarSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Already in the graph through AsyncHTTPClient and Hummingbird; named for ByteBuffer at the HTTP seam.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "cstar-io",
            dependencies: [
                "CStarIO",
                "CStarSandbox",
                "CStarHash",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // SHA-256 runs over every payload (idempotency keys, delta digests, backups): unoptimised, it was an eighth
        // of a debug migration's CPU and made the end-to-end tests slow. This small leaf target (no dependencies, no
        // @testable import) is compiled optimised in every configuration; nothing else is.
        .target(name: "CStarHash", swiftSettings: [.unsafeFlags(["-O"])]),
        // The built-in mapping sets (Mappings/<set>/*.yaml) are compiled into CStarIO by this plugin, so a binary
        // copied alone anywhere has them; nothing is read from beside the executable.
        .executableTarget(name: "EmbedMappingsTool"),
        .plugin(name: "EmbedMappings", capability: .buildTool(), dependencies: ["EmbedMappingsTool"]),
        .target(
            name: "CStarIO",
            dependencies: [
                "CStarHash",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ] + (libxml2 ? ["CLibXML2"] : []),
            swiftSettings: libxml2 ? [.define("CSTAR_LIBXML2")] : [],
            plugins: ["EmbedMappings"]
        ),
        .target(
            name: "CStarSandbox",
            dependencies: [
                "CStarHash",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Helpers shared by the test targets: reproducible randomness, and a pseudo-terminal (C, as Glibc's
        // Swift module does not expose posix_openpt).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(name: "PTYSupport", path: "Tests/PTYSupport"),
        .testTarget(
            name: "CStarIOTests",
            dependencies: ["CStarIO", "CStarSandbox", "CStarHash", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "CStarSandboxTests",
            dependencies: [
                "CStarSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "CStarSandbox",
                "CStarIO",
                "TestSupport",
                "PTYSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ] + libxml2Targets,
    swiftLanguageModes: [.v6]
)
