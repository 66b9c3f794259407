import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import MilvusClient

/// The local servers `scripts/milvus-local` starts, and whether they are reachable.
///
/// Integration tests run against them when they are up and are skipped (with a reason) when
/// not — except under `CI=true`, where scripts/test starts them and a missing one is a failure.
struct TestServer: Sendable {
    var name: String
    var host = "127.0.0.1"
    var port: Int
    var metricsPort: Int?

    var uri: String { "http://\(host):\(port)" }

    static let standalone = TestServer(name: "standalone", port: 19530, metricsPort: 9091)
    static let cluster = TestServer(name: "cluster", port: 20530, metricsPort: 20191)
    static let lite = TestServer(name: "lite", port: 21530)

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether something listens on the server's port.
    var isReachable: Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Run the tests when the server is up, or always under CI (where a missing server fails them).
    var shouldTest: Bool { isReachable || Self.isCI }

    func connect(timeout: Duration = .seconds(30)) async throws -> MilvusClient {
        try await MilvusClient.connect(ConnectionOptions(uri: uri, timeout: timeout))
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs scripts/milvus-local with arguments; returns its exit status and output.
    @discardableResult
    static func milvusLocal(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcess.run(repositoryRoot.appendingPathComponent("scripts/milvus-local"), arguments)
        return (outcome.status, outcome.output)
    }
}

/// Collection names unique to one test run, so tests never see each other's data.
func uniqueCollection(_ prefix: String) -> String {
    "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
}

/// Deterministic vectors for tests: row i of dim d.
func testVectors(rows: Int, dim: Int, seed: Int = 1) -> [Float] {
    var out = [Float]()
    out.reserveCapacity(rows * dim)
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
    for _ in 0..<(rows * dim) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        out.append(Float(state >> 40) / Float(1 << 24))
    }
    return out
}

/// Creates, fills, indexes and (optionally) loads a small collection for a test.
func makeCollection(_ client: MilvusClient, name: String, rows: Int, dim: Int = 8, index: IndexParameters? = IndexParameters(type: "IVF_FLAT", metric: "L2", params: ["nlist": "16"]),
                    replicas: Int? = 1) async throws {
    try await client.createCollection(name, schema: CollectionSchema(fields: [
        FieldSchema("id", .int64, isPrimaryKey: true),
        FieldSchema("vector", .floatVector(dim: dim)),
        FieldSchema("tag", .varchar(maxLength: 16)),
    ]))
    _ = try await client.insert(name, columns: [
        Column("id", .int64((0..<rows).map(Int64.init))),
        Column("vector", .floatVector(dim: dim, values: testVectors(rows: rows, dim: dim))),
        Column("tag", .varchar((0..<rows).map { ["red", "green", "blue"][$0 % 3] })),
    ])
    _ = try await client.flushAndWait(name)
    if let index {
        try await client.createIndex(name, field: "vector", index)
        _ = try await client.waitForIndex(name, field: "vector")
    }
    if let replicas {
        try await client.load(name, replicas: replicas)
    }
}
