import Foundation
import TestSupport
import Testing
@testable import LoadEngine

/// Due times at a constant and a ramping rate: computed from the rate, never from the load.
@Suite("rate schedules")
struct RateScheduleTests {
    @Test("a constant rate: operation i is due i intervals after the start")
    func constant() {
        let s = RateSchedule.constant(perSecond: 1000)
        #expect(s.due(0) == .zero && s.due(40) == .milliseconds(40) && s.due(1_000_000) == .seconds(1000))
        #expect(s.duration == nil && s.operations == nil && s.stage(of: 123) == 0)
    }

    @Test("a ramp: the integral of the rate reaches i at operation i's due time; stages follow each other")
    func ramp() throws {
        // 0 → 100/s over 1 s (50 operations), then 100/s held for 1 s (100 more).
        let s = RateSchedule.ramping(from: 0, stages: [RateStage(rate: 100, duration: .seconds(1)), RateStage(rate: 100, duration: .seconds(1))])
        #expect(s.operations == 150 && s.duration == .seconds(2))
        #expect(s.due(0) == .zero)
        // On the ramp the rate is 100·t, so i operations are due by t = sqrt(i / 50).
        let due25 = try #require(s.due(25)).milliseconds
        #expect(abs(due25 - (25.0 / 50).squareRoot() * 1000) < 0.01, "\(due25)")
        #expect(try #require(s.due(50)).milliseconds == 1000)
        #expect(abs(try #require(s.due(149)).milliseconds - 1990) < 0.01)
        #expect(s.due(150) == nil, "the schedule ends with its last stage")
        #expect(s.stage(of: 10) == 0 && s.stage(of: 49) == 0 && s.stage(of: 50) == 1 && s.stage(of: 149) == 1)
        // Due times never go back, and a stage of rate 0 only passes time.
        let gap = RateSchedule.ramping(from: 10, stages: [RateStage(rate: 10, duration: .seconds(1)), RateStage(rate: 0, duration: .seconds(2)),
                                                          RateStage(rate: 0, duration: .seconds(1)), RateStage(rate: 10, duration: .seconds(1))])
        let times = (0..<(gap.operations ?? 0)).compactMap { gap.due($0)?.milliseconds }
        #expect(times == times.sorted())
        #expect(gap.stage(of: 10) == 1, "the ramp down from 10/s to 0 still holds operations")
        #expect(times.allSatisfy { $0 < 3000 || $0 >= 4000 }, "nothing is due while the rate is 0 (3 s to 4 s): \(times)")
    }

    @Test("a ramping load runs its stages' operations and counts each stage apart")
    func rampingLoad() async {
        await DedicatedThread.run {
            let shape = LoadShape.rampingRate(from: 0, stages: [RateStage(rate: 200, duration: .milliseconds(500)), RateStage(rate: 200, duration: .milliseconds(500))],
                                              maxInFlight: 8)
            let result = await LoadDriver(shape: shape) { _ in try await Task.sleep(for: .milliseconds(1)) }.run(.time(.seconds(10)))
            // 50 on the ramp, 100 at the full rate; a busy machine may drop some, never run more.
            #expect(result.completed + result.dropped == 150, "\(result.completed) + \(result.dropped)")
            #expect(result.classes[0].map { $0.completed + $0.errors } ?? 0 <= 50)
            #expect(result.classes[1].map { $0.completed + $0.errors } ?? 0 <= 100)
            #expect((result.classes[0]?.completed ?? 0) + (result.classes[1]?.completed ?? 0) == result.completed)
            #expect(result.wall < .seconds(5), "the stages, not the asked 10 s, end the phase: \(result.wall)")
        }
    }
}
