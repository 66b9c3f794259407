import Foundation
import Logging
import Synchronization
import Testing
@testable import MilvusClient

/// Which failures the client waits out, and how: the retry loop driven by scripted failures
/// (pure logic — the states themselves were seen on real servers, see docs/transient-errors.md).
@Suite("transient server states")
struct TransientStateTests {
    static func server(_ code: Int, _ reason: String, errorCode: Int = 1, rpc: String = "Flush") -> MilvusError {
        MilvusError.server(rpc: rpc, errorCode: errorCode, code: code, reason: reason)
    }

    static func options(window: Duration = .seconds(60), attempts: Int = 3) throws -> ConnectionOptions {
        try ConnectionOptions(uri: "http://127.0.0.1:19530", maxAttempts: attempts, transientRetryWindow: window)
    }

    /// A clock whose sleeps return at once, moving its time on: the loop's timing, exactly.
    final class VirtualClock: Clock {
        struct Instant: InstantProtocol {
            var offset: Duration
            func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
            func duration(to other: Instant) -> Duration { other.offset - offset }
            static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        }
        private let current = Mutex(Instant(offset: .zero))
        var now: Instant { current.withLock { $0 } }
        var minimumResolution: Duration { .nanoseconds(1) }
        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            current.withLock { $0 = max($0, deadline) }
        }
    }

    /// The retry loop on a virtual clock.
    static func retrying<R>(_ rpc: String, retry: Retry, options: ConnectionOptions, statistics: ConnectionStatistics,
                            clock: VirtualClock = VirtualClock(), deadline: Duration? = nil,
                            _ attempt: (Int) async throws -> R) async throws -> R {
        try await MilvusClient.retrying(rpc, retry: retry, options: options, statistics: statistics, clock: clock,
                                        deadline: deadline.map { clock.now.advanced(by: $0) }, attempt)
    }

    /// Fails with `failures` in turn, then answers with the attempt number.
    final class Script: Sendable {
        let failures: Mutex<[MilvusError]>
        let calls = Mutex(0)
        init(_ failures: [MilvusError]) { self.failures = Mutex(failures) }
        func attempt(_ n: Int) throws -> Int {
            calls.withLock { $0 += 1 }
            if let next = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw next }
            return n
        }
    }

    @Test("matched on Milvus's code or on the reason; transport and request errors are not transient")
    func matching() {
        #expect(Self.server(500, "attempt #6: channel not found[channel=by-dev-rootcoord-dml_1_47v0]").transientState?.code == 500)
        #expect(Self.server(0, "Channel Not Found: dml_3", errorCode: 1).transientState?.reason == "channel not found", "old servers: reason only")
        #expect(Self.server(401, "no available nodes in replica: replica not available[replica=1]").transientState?.code == 401)
        #expect(Self.server(101, "collection not loaded").transientState == nil)
        #expect(Self.server(100, "collection not found").transientState == nil)
        #expect(Self.server(65535, "top k should be in range [1, 16384]").transientState == nil)
        #expect(MilvusError(rpc: "Flush", kind: .transport("unavailable"), reason: "Channel is in a transient failure state").transientState == nil,
                "a lost connection is handled apart (maxAttempts), not as a server state")
    }

    @Test("setup calls wait out a transient state with backoff, count and log each repeat")
    func waitsOutTransientState() async throws {
        let script = Script([Self.server(500, "channel not found"), Self.server(500, "channel not found")])
        let statistics = ConnectionStatistics()
        let clock = VirtualClock()
        let answer = try await Self.retrying("Flush", retry: .onTransientState, options: try Self.options(), statistics: statistics,
                                             clock: clock) {
            try script.attempt($0)
        }
        #expect(answer == 3, "the third attempt succeeded")
        #expect(statistics.retries == ["Flush: channel not found": 2])
        #expect(clock.now.offset == .milliseconds(600), "200 ms, then 400 ms between attempts")
    }

    @Test("never for calls that change state or whose failures are measured; never for other failures")
    func doesNotRetry() async throws {
        for retry in [Retry.never, .onConnectionLoss] {
            let script = Script([Self.server(500, "channel not found")])
            let statistics = ConnectionStatistics()
            await #expect(throws: MilvusError.self) {
                try await Self.retrying("Insert", retry: retry, options: try Self.options(), statistics: statistics) { try script.attempt($0) }
            }
            #expect(script.calls.withLock { $0 } == 1, "\(retry)")
            #expect(statistics.retries.isEmpty)
        }
        let script = Script([Self.server(101, "collection not loaded")])
        await #expect(throws: MilvusError.self) {
            try await Self.retrying("GetReplicas", retry: .onTransientState, options: try Self.options(), statistics: ConnectionStatistics()) {
                try script.attempt($0)
            }
        }
        #expect(script.calls.withLock { $0 } == 1, "a real failure fails at once")
    }

    @Test("a lost connection is repeated up to maxAttempts, except for calls that change state")
    func connectionLoss() async throws {
        let lost = MilvusError(rpc: "Search", kind: .transport("unavailable"), reason: "connection refused")
        let script = Script([lost, lost, lost])
        let statistics = ConnectionStatistics()
        await #expect(throws: MilvusError.self) {
            try await Self.retrying("Search", retry: .onConnectionLoss, options: try Self.options(attempts: 3), statistics: statistics) {
                try script.attempt($0)
            }
        }
        #expect(script.calls.withLock { $0 } == 3)
        #expect(statistics.retries == ["Search: connection lost": 2])
        let once = Script([lost])
        await #expect(throws: MilvusError.self) {
            try await Self.retrying("Insert", retry: .never, options: try Self.options(), statistics: ConnectionStatistics()) { try once.attempt($0) }
        }
        #expect(once.calls.withLock { $0 } == 1)
    }

    @Test("never forever: the window, and the step's deadline, end the waiting with the server's error")
    func bounded() async throws {
        let forever = (0..<1000).map { _ in Self.server(1, "service not ready") }
        // Window 1 s: tries at 0, 200 and 600 ms; the next wait (800 ms) would end past it.
        let script = Script(forever)
        let clock = VirtualClock()
        await #expect(throws: MilvusError.self) {
            try await Self.retrying("DescribeIndex", retry: .onTransientState, options: try Self.options(window: .seconds(1)),
                                    statistics: ConnectionStatistics(), clock: clock) { try script.attempt($0) }
        }
        #expect(script.calls.withLock { $0 } == 3)
        #expect(clock.now.offset == .milliseconds(600), "gave up inside the 1 s window: \(clock.now.offset)")

        // The step's deadline (300 ms) is earlier than the window: tries at 0 and 200 ms.
        let again = Script(forever)
        let clock2 = VirtualClock()
        await #expect(throws: MilvusError.self) {
            try await Self.retrying("DescribeIndex", retry: .onTransientState, options: try Self.options(),
                                    statistics: ConnectionStatistics(), clock: clock2, deadline: .milliseconds(300)) { try again.attempt($0) }
        }
        #expect(again.calls.withLock { $0 } == 2)
        #expect(clock2.now.offset == .milliseconds(200))
    }

    @Test("docs/transient-errors.md names every state the client waits out")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/transient-errors.md"), encoding: .utf8)
        for state in TransientState.known {
            #expect(doc.contains("| \(state.code.map(String.init) ?? "—") | `\(state.reason)` |"), "\(state.reason) is not in the table")
        }
    }
}
