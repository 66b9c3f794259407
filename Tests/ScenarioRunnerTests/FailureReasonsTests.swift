import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import Testing
@testable import ScenarioRunner

@Suite("failure reasons")
struct FailureReasonsTests {
    static func server(_ reason: String) -> MilvusError {
        MilvusError(rpc: "Search", kind: .server(errorCode: 1, code: 65535), reason: reason)
    }

    @Test("distinct reasons are counted, most frequent first, and workers merge without losing any")
    func counted() {
        var a = WorkerTally(classifier: .milvus), b = WorkerTally(classifier: .milvus)
        let t0 = ContinuousClock.now
        a.reasons.add(code: "server 65535", reason: "field x not exist", error: Self.server("field x not exist"), at: t0 + .milliseconds(5))
        a.errors += 1
        for _ in 0..<3 { b.failed(Self.server("collection not loaded")) }
        b.reasons.add(code: "server 65535", reason: "field x not exist", error: Self.server("field x not exist"), at: t0)
        var all = LoadResult.empty
        all.merge(a)
        all.merge(b)
        #expect(all.reasons.sorted == [ErrorReason(code: "server 65535", reason: "collection not loaded", count: 3),
                                       ErrorReason(code: "server 65535", reason: "field x not exist", count: 2)])
        #expect(all.reasons.firstMessage?.contains("field x not exist") == true, "the earliest failure, whichever worker saw it")
        #expect(all.errorsByCode == ["server 65535": 3], "errorsByCode counts what failed() saw")
    }

    @Test("reasons beyond the limit are counted together; long ones are cut; none means nil")
    func bounded() {
        #expect(FailureReasons().sorted == nil)
        var tally = WorkerTally(classifier: .milvus)
        for i in 0..<(ErrorReason.limit + 5) { tally.failed(Self.server("reason \(i)")) }
        tally.failed(Self.server(String(repeating: "x", count: 2000)))
        let sorted = tally.reasons.sorted!
        #expect(sorted.count == ErrorReason.limit + 1)
        #expect(sorted.first == ErrorReason(code: "other", reason: "other reasons", count: 6))
        #expect(sorted.map(\.count).reduce(0, +) == tally.errors)
        // The server's reason, without the RPC and code around it, on one line and cut.
        var one = WorkerTally(classifier: .milvus)
        one.failed(Self.server(String(repeating: "y", count: 2000)))
        one.failed(Self.server("two\nlines"))
        #expect(one.reasons.sorted?.map(\.reason.count).max() == ErrorReason.maxLength + 1)
        #expect(one.reasons.sorted?.contains { $0.reason == "two lines" } == true)
    }
}
