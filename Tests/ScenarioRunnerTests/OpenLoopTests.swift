import Foundation
import MilvusClient
import NIOPosix
import Synchronization
import Testing
@testable import ScenarioRunner

/// The shared open-loop scheduler, and the watch's background load that runs on it. Real clocks,
/// but no assertion depends on how fast this machine is: a slower machine only makes more
/// operations late or dropped, and every bound below holds in that direction.
@Suite("Open-loop scheduler")
struct OpenLoopTests {
    @Test("every scheduled operation is started, dropped or abandoned — exactly one of them")
    func accounting() async {
        await DedicatedThread.run {
            let clock = ContinuousClock()
            let start = clock.now
            // 30 due in 300 ms; two slots, each operation takes 200 ms: most cannot start in time.
            let (tallies, totals) = await OpenLoop(rate: 100, maxInFlight: 2).run(
                start: start, end: start + .milliseconds(300), dropAfter: start + .milliseconds(300), tally: { [Int]() }
            ) { ticket, seen in
                seen.append(ticket.index)
                try? await Task.sleep(for: .milliseconds(200))
            } drop: { _, _ in }
            #expect(totals.scheduled == 30, "the schedule is computed, not measured: \(totals)")
            #expect(totals.started + totals.dropped + totals.abandoned == totals.scheduled, "\(totals)")
            #expect(totals.started == tallies.joined().count)
            #expect(totals.started <= 6, "two slots of 200 ms fit at most 6 starts in 300 ms: \(totals)")
            #expect(totals.dropped >= 24, "\(totals)")
            #expect(totals.abandoned == 0)
        }
    }

    @Test("a count-limited run starts every operation, late ones after their due time, at most the cap at once")
    func capAndLateness() async {
        await DedicatedThread.run {
            let inFlight = Atomic<Int>(0), highest = Atomic<Int>(0)
            let clock = ContinuousClock()
            let start = clock.now
            // 40 due over 40 ms, three slots, 30 ms each: at most three at once, most start late.
            let (tallies, totals) = await OpenLoop(rate: 1000, maxInFlight: 3).run(
                start: start, end: nil, dropAfter: nil, count: 40, tally: { [Duration]() }
            ) { ticket, lateness in
                let now = inFlight.add(1, ordering: .relaxed).newValue
                highest.max(now, ordering: .relaxed)
                lateness.append(ticket.lateBy)
                #expect(ticket.due == start + .milliseconds(ticket.index), "due times follow the schedule, not the load")
                try? await Task.sleep(for: .milliseconds(30))
                inFlight.subtract(1, ordering: .relaxed)
            }
            #expect(totals == OpenLoop.Totals(scheduled: 40, started: 40, late: totals.late, dropped: 0, abandoned: 0, clientLate: totals.clientLate))
            #expect(highest.load(ordering: .relaxed) <= 3, "never more than the cap in flight")
            #expect(totals.late >= 30, "only the first few can start on time: \(totals.late)")
            let worst = tallies.joined().max()!
            #expect(worst >= .milliseconds(300), "the 40th waits for ~12 rounds of 30 ms: \(worst)")
        }
    }

    @Test("stopping abandons what is left instead of dropping it")
    func stop() async {
        await DedicatedThread.run {
            let stopped = Atomic<Bool>(false)
            let clock = ContinuousClock()
            let start = clock.now
            let (_, totals) = await OpenLoop(rate: 1000, maxInFlight: 1).run(
                start: start, end: nil, dropAfter: nil, count: 1000, shouldStop: { stopped.load(ordering: .relaxed) }, tally: { () }
            ) { ticket, _ in
                if ticket.index == 4 { stopped.store(true, ordering: .relaxed) }
                try? await Task.sleep(for: .milliseconds(5))
            }
            #expect(totals.started == 5, "\(totals)")
            #expect(totals.dropped == 0)
            #expect(totals.started + totals.abandoned == totals.scheduled)
            #expect(totals.scheduled < 1000)
        }
    }

    @Test("the default cap leaves room for every search to hang until its timeout")
    func defaultCap() {
        #expect(OpenLoop.defaultMaxInFlight(rate: 5, timeout: .seconds(5)) == 36)
        #expect(OpenLoop.defaultMaxInFlight(rate: 20, timeout: .seconds(1)) == 29)
        #expect(OpenLoop.defaultMaxInFlight(rate: 100_000, timeout: .seconds(30)) == 4096)
    }

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

    @Test("an operation goes to an idle worker of the lowest lane first, the most recently idle one")
    func lanes() async {
        let queue = TicketQueue(lanes: 2)
        let taken = await withTaskGroup(of: String.self) { group in
            // Workers wait in lanes 1, 0, 0 (in that order), each taking one operation.
            for (number, (name, lane)) in [("lane1", 1), ("lane0-first", 0), ("lane0-second", 0)].enumerated() {
                group.addTask {
                    let op = await queue.take(lane: lane)
                    return "\(name):\(op?.index ?? -1)"
                }
                // Let each worker start waiting before the next one.
                while queue.waitingCount <= number { await Task.yield() }
            }
            for i in 0..<3 { #expect(queue.put(DueOperation(index: i, due: .now))) }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(taken == ["lane0-second:0", "lane0-first:1", "lane1:2"])
        #expect(!queue.put(DueOperation(index: 3, due: .now)), "nobody waits: the operation is queued")
        #expect(await queue.take(lane: 1)?.index == 3)
        queue.finish()
        #expect(await queue.take(lane: 0) == nil)
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
