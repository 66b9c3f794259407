import Foundation
import Synchronization
import TestSupport
import Testing
@testable import LoadEngine

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
}
