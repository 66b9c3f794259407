import Foundation
import TestSupport
import Testing
@testable import MilvusClient

/// The searches' own HTTP/2 transport (`DirectUnaryChannel`) against bench/InstantMilvus on a
/// free loopback port: answers at once, and searches that misbehave while everything else works
/// (`--search MODE`). Every failure must arrive typed, within the deadline, and never hang.
@Suite("direct search transport", .serialized)
struct DirectTransportTests {
    /// instant-milvus, built next to this test bundle (`swift build --build-tests` builds it).
    static let instantMilvus: URL? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("instant-milvus")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// instant-milvus on a free port until deinit.
    final class Server {
        let server: ListeningProcess
        var port: Int { server.port }

        init(_ arguments: [String]) throws {
            guard let executable = DirectTransportTests.instantMilvus else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSDebugDescriptionErrorKey: "instant-milvus is not built (swift build --build-tests)"])
            }
            server = try ListeningProcess(executable, ["--port", "0"] + arguments)
        }

        /// A generous deadline for every call: tests share 2 cores with servers that start and
        /// work; a search that must time out sets its own.
        func connect(timeout: Duration = .seconds(30)) async throws -> MilvusClient {
            try await MilvusClient.connect(ConnectionOptions(uri: "http://127.0.0.1:\(port)", timeout: timeout))
        }
    }

    static let request = SearchRequest(collection: "c", field: "v", vectors: [[0.1, 0.2, 0.3, 0.4]], topK: 10, metric: "L2")

    @Test("thousands of searches from pinned and unpinned tasks: every answer decoded, one connection per event loop")
    func instantAnswers() async throws {
        let server = try Server([])
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let prepared = try client.prepare(Self.request)
        let executors = client.loadExecutors
        #expect(!executors.isEmpty)  // one per event loop of NIO's shared group (one per core)
        let (hits, failures) = await withTaskGroup(of: (Int, Int).self) { group in
            for worker in 0..<20 {
                group.addTask(executorPreference: worker % 4 == 3 ? nil : executors[worker % executors.count]) {
                    var hits = 0, failures = 0
                    for _ in 0..<250 {
                        do { hits += try await client.searchHitCount(prepared) } catch { failures += 1 }
                    }
                    return (hits, failures)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        #expect(failures == 0)
        #expect(hits == 5000 * 10)
        let result = try await client.search(Self.request)
        #expect(result.hits.count == 1)
        #expect(result.hits[0].map(\.id) == (0..<10).map { .int(1000 + Int64($0)) })
        #expect(client.statistics.searchConnectionsOpened == executors.count)
        #expect(client.statistics.retries.isEmpty)
    }

    @Test("a misbehaving search fails typed and on time", arguments: [
        ("silent", "deadlineExceeded", "no answer within"),
        ("malformed", "internalError", "not a SearchResults message"),
        ("oversized", "resourceExhausted", "over 268435456"),
        ("error", "internalError", "instant-milvus says no"),
        ("reset", "internalError", "reset the stream"),
        ("close", "unavailable", "connection lost"),
    ])
    func misbehavingSearch(mode: String, code: String, reason: String) async throws {
        let server = try Server(["--search", mode])
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let start = ContinuousClock.now
        var request = Self.request
        request.timeout = .seconds(2)
        let error = await #expect(throws: MilvusError.self) { try await client.search(request) }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        #expect(error?.rpc == "Search")
        #expect(error?.kind == .transport(code), "\(mode): \(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(mode): \(String(describing: error?.reason))")
        #expect(seconds < 15, "\(mode): \(seconds) s")  // 2 s deadline, or 3 attempts 100 + 400 ms apart
        if mode == "close" {
            // A lost connection is retried on a new one, as often as the options allow.
            #expect(client.statistics.searchConnectionsOpened == client.options.maxAttempts)
            #expect(client.statistics.retries.values.reduce(0, +) == client.options.maxAttempts - 1)
        } else {
            #expect(client.statistics.retries.isEmpty, "\(mode): \(client.statistics.retries)")
        }
        // Other calls still work: the grpc-swift connection is not affected.
        _ = try await client.version()
    }

    @Test("a cancelled search ends at once, long before its deadline")
    func cancellation() async throws {
        let silent = try Server(["--search", "silent"])
        let client = try await silent.connect()
        defer { Task { await client.close() } }
        let task = Task { try await client.search(Self.request) }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - start < .seconds(10), "cancelled, yet it waited")  // the deadline is 30 s
        if case .failure(let error) = result { #expect(error is CancellationError, "\(error)") } else { Issue.record("the search succeeded") }
    }

    @Test("no server: a clear error after the connection attempts")
    func unreachable() async throws {
        // A server that answers Connect and then goes away before the search.
        let server = try Server([])
        let client = try await server.connect()
        defer { Task { await client.close() } }
        server.server.stop()
        let error = await #expect(throws: MilvusError.self) { try await client.search(Self.request) }
        #expect(error?.kind == .transport("unavailable"), "\(String(describing: error))")
        #expect(error?.reason.contains("cannot connect") == true || error?.reason.contains("connection lost") == true, "\(String(describing: error?.reason))")
    }

    @Test("gRPC timeout header: milliseconds, or seconds when too long for 8 digits")
    func timeoutHeader() {
        #expect(DirectConnection.grpcTimeout(.seconds(30)) == "30000m")
        #expect(DirectConnection.grpcTimeout(.microseconds(1)) == "1m")
        #expect(DirectConnection.grpcTimeout(.seconds(200_000)) == "200000S")
    }
}
