import Foundation
import LoadEngine
import MilvusClient
import NIOPosix
import Synchronization
import TestSupport
import Testing
@testable import ScenarioRunner

/// The watch's background load on the engine's open loop, and the client's event loops as the
/// engine's executors. Real clocks, but no assertion depends on how fast this machine is.
@Suite("Background load")
struct BackgroundLoadTests {
    // MARK: The background load on the scheduler

    static func request(_ i: Int) -> SearchRequest {
        SearchRequest(collection: "c", field: "v", vectors: [[0]], topK: 1)
    }

    /// A server that answers nothing: every search hangs until its deadline, then fails.
    static let hang: BackgroundSearches.Send = { _, deadline in
        try await ContinuousClock().sleep(until: deadline)
        throw MilvusError(rpc: "Search", kind: .timedOut, reason: "deadline exceeded")
    }

    @Test("during a hang every background search is sent on time and fails; none is held back to succeed later")
    func hangWithDefaultCap() async {
        await DedicatedThread.run {
            let load = BackgroundSearches(rate: 25, timeout: .seconds(1))
            let start = ContinuousClock.now
            await load.run(start: start, end: start + .seconds(2), shouldStop: { false }, request: Self.request, send: Self.hang)
            let all = load.all
            #expect(all.count == 50, "every due search has an outcome: \(all.count)")
            #expect(all.allSatisfy { $0.error == "timedOut" }, "\(Dictionary(grouping: all, by: { $0.error ?? "ok" }).mapValues(\.count))")
            #expect(Set(all.map(\.sentAt)) == Set((0..<50).map { Duration.milliseconds(40 * $0) }), "outcomes keep their due times")
            let record = load.record()
            #expect(record.maxInFlight == 36 && record.notSent == 0 && record.seconds.map(\.failed) == [25, 25], "\(record.maxInFlight ?? -1), \(record.notSent ?? -1)")
        }
    }

    @Test("with a cap below rate × timeout, searches wait for a slot and start late with what is left of their time; none succeeds")
    func hangWithSmallCap() async {
        await DedicatedThread.run {
            let load = BackgroundSearches(rate: 25, timeout: .seconds(1), maxInFlight: 3)
            let start = ContinuousClock.now
            await load.run(start: start, end: start + .seconds(2), shouldStop: { false }, request: Self.request, send: Self.hang)
            let all = load.all
            let record = load.record()
            #expect(all.count == 50, "every due search has an outcome, sent or not: \(all.count)")
            #expect(all.allSatisfy { $0.error != nil }, "nothing succeeds while the server hangs")
            // Only the first three find a free slot on time.
            #expect((record.late ?? 0) >= 40, "searches waited for a slot: \(record.late ?? -1) late")
            #expect(record.notSent == (record.errorsByCode[BackgroundSearches.notSent] ?? 0))
        }
    }

    @Test("a search whose timeout runs out before a slot is free is not sent, and fails")
    func notSent() async {
        await DedicatedThread.run {
            // A client stuck for 1.5 s per search whatever its deadline, one slot, 1 s timeout:
            // of the searches due at 0.1 … 0.9 s, only the one due at 0.6 s still has time left
            // when the slot frees at 1.5 s.
            let load = BackgroundSearches(rate: 10, timeout: .seconds(1), maxInFlight: 1)
            let start = ContinuousClock.now
            await load.run(start: start, end: start + .seconds(1), shouldStop: { false }, request: Self.request) { _, _ in
                try await Task.sleep(for: .milliseconds(1500))
                throw MilvusError(rpc: "Search", kind: .timedOut, reason: "deadline exceeded")
            }
            let all = load.all
            let record = load.record()
            #expect(all.count == 10)
            #expect((record.notSent ?? 0) >= 7, "\(Dictionary(grouping: all, by: { $0.error ?? "ok" }).mapValues(\.count))")
            #expect(record.notSent == record.errorsByCode[BackgroundSearches.notSent])
            #expect(all.filter { $0.error == BackgroundSearches.notSent }.allSatisfy { $0.sentAt > .zero }, "the first one had its slot")
        }
    }

    @Test("background latency is measured from the due time, so a stall shows in it")
    func latencyFromDueTime() async {
        await DedicatedThread.run {
            let calls = Atomic<Int>(0)
            let load = BackgroundSearches(rate: 100, timeout: .seconds(5), maxInFlight: 1)
            let start = ContinuousClock.now
            await load.run(start: start, end: start + .seconds(1), shouldStop: { false }, request: Self.request) { _, _ in
                // The first search stalls for 300 ms; every other one answers at once.
                if calls.add(1, ordering: .relaxed).newValue == 1 { try await Task.sleep(for: .milliseconds(300)) }
                return .init()
            }
            let all = load.all
            #expect(all.count == 100 && all.allSatisfy { $0.error == nil }, "\(Dictionary(grouping: all, by: { $0.error ?? "ok" }).mapValues(\.count))")
            // The search due at 100 ms waited for the stalled one (until ≥ 300 ms): ≥ 200 ms from its due time.
            let dueAt100 = all.first { $0.sentAt == .milliseconds(100) }!
            #expect(dueAt100.latency >= .milliseconds(199), "\(dueAt100.latency)")
            #expect((load.record().late ?? 0) >= 25, "the searches due during the stall started late: \(load.record().late ?? -1)")
        }
    }

    @Test("with executors, workers and the schedule run on the client's event loops and every operation is accounted for")
    func pinnedToEventLoops() async {
        let group = MultiThreadedEventLoopGroup.singleton
        let executors = [group.next(), group.next()].map(EventLoopTaskExecutor.init)
        let onLoop = Atomic<Int>(0)
        let start = ContinuousClock.now
        let (_, totals) = await OpenLoop(rate: 500, maxInFlight: 8, executors: executors).run(
            start: start, end: nil, dropAfter: nil, count: 100, tally: { 0 }
        ) { _, _ in
            if executors.contains(where: { $0.eventLoop.inEventLoop }) { onLoop.add(1, ordering: .relaxed) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        #expect(totals.scheduled == 100 && totals.started == 100, "\(totals)")
        #expect(onLoop.load(ordering: .relaxed) == 100, "every operation ran on one of the loops")
        // 100 operations due over 198 ms: the loop's timer kept the schedule.
        #expect(ContinuousClock.now - start >= .milliseconds(198))
    }

    @Test("a sleep on the event loop's timer ends when its task is cancelled")
    func timerSleepCancels() async {
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
        let start = ContinuousClock.now
        let sleeper = Task { await executor.sleep(until: start + .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        sleeper.cancel()
        await sleeper.value
        #expect(ContinuousClock.now - start < .seconds(10), "the cancelled sleep went on")
        // And an uncancelled one waits its time.
        let short = ContinuousClock.now
        await executor.sleep(until: short + .milliseconds(20))
        #expect(ContinuousClock.now - short >= .milliseconds(20))
    }
}
