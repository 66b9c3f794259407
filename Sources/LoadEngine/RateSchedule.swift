import Foundation
import Primitives

/// One stage of a ramping rate: the rate goes linearly from the previous stage's (or the
/// start rate) to `rate` over `duration` — k6's `ramping-arrival-rate` and Gatling's `rampUsersPerSec`.
public struct RateStage: Sendable, Hashable {
    /// Operations per second at the end of the stage.
    public var rate: Double
    public var duration: Duration

    public init(rate: Double, duration: Duration) {
        self.rate = rate
        self.duration = duration
    }
}

/// When each operation of an open-loop load is due, computed from the rate and never shifted by
/// how long operations take: at a constant rate operation *i* is due at i / rate; on a ramp, when
/// the integral of the rate reaches *i*.
public struct RateSchedule: Sendable, Hashable {
    private enum Kind: Sendable, Hashable {
        case constant(interval: Duration)
        case ramping(start: Double, stages: [RateStage])
    }

    private let kind: Kind
    /// For a ramp: per stage, the operations due before it starts and when it starts (seconds).
    private let stageStarts: [(operations: Double, seconds: Double)]

    public static func == (a: RateSchedule, b: RateSchedule) -> Bool { a.kind == b.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    /// `perSecond` operations a second, from the start on.
    public static func constant(perSecond rate: Double) -> RateSchedule {
        precondition(rate > 0 && rate.isFinite, "rate must be positive")
        return RateSchedule(kind: .constant(interval: .nanoseconds(Int64((1e9 / rate).rounded()))), stageStarts: [])
    }

    /// From `start` operations a second, through each stage in turn.
    public static func ramping(from start: Double, stages: [RateStage]) -> RateSchedule {
        var starts: [(Double, Double)] = []
        var operations = 0.0, seconds = 0.0, previous = start
        for stage in stages {
            starts.append((operations, seconds))
            let d = stage.duration.milliseconds / 1000
            operations += (previous + stage.rate) / 2 * d
            seconds += d
            previous = stage.rate
        }
        starts.append((operations, seconds))
        return RateSchedule(kind: .ramping(start: start, stages: stages), stageStarts: starts)
    }

    private init(kind: Kind, stageStarts: [(Double, Double)]) {
        self.kind = kind
        self.stageStarts = stageStarts.map { (operations: $0.0, seconds: $0.1) }
    }

    /// The time between two due times at a constant rate; nil on a ramp.
    public var interval: Duration? {
        if case .constant(let interval) = kind { return interval }
        return nil
    }

    /// How long the schedule lasts: a ramp ends after its last stage; a constant rate never.
    public var duration: Duration? {
        guard case .ramping = kind, let last = stageStarts.last else { return nil }
        return .nanoseconds(Int64((last.seconds * 1e9).rounded()))
    }

    /// Operations the whole schedule holds (a ramp's), nil for a constant rate.
    public var operations: Int? {
        guard case .ramping = kind, let last = stageStarts.last else { return nil }
        return Int(last.operations.rounded(.down))
    }

    /// When operation `index` (from 0) is due, from the start; nil when the schedule ends before it.
    public func due(_ index: Int) -> Duration? {
        switch kind {
        case .constant(let interval):
            return interval * index
        case .ramping(let start, let stages):
            let i = Double(index)
            guard let k = stage(ofOperation: i) else { return nil }
            let r0 = k == 0 ? start : stages[k - 1].rate, r1 = stages[k].rate
            let d = stages[k].duration.milliseconds / 1000
            let j = i - stageStarts[k].operations
            // Solve r0·t + (r1 − r0)·t² / (2d) = j for t in [0, d].
            let t: Double
            let a = (r1 - r0) / (2 * d)
            if abs(a) < 1e-12 {
                t = r0 > 0 ? j / r0 : 0
            } else {
                t = (-r0 + (r0 * r0 + 4 * a * j).squareRoot()) / (2 * a)
            }
            return .nanoseconds(Int64(((stageStarts[k].seconds + min(max(0, t), d)) * 1e9).rounded()))
        }
    }

    /// The stage operation `index` belongs to (0 at a constant rate).
    public func stage(of index: Int) -> Int {
        stage(ofOperation: Double(index)) ?? max(0, stageStarts.count - 2)
    }

    private func stage(ofOperation i: Double) -> Int? {
        guard case .ramping = kind else { return 0 }
        // The last stage whose first operation is at or before i, among stages with operations.
        var found: Int?
        for k in 0..<(stageStarts.count - 1) where stageStarts[k + 1].operations > stageStarts[k].operations {
            if stageStarts[k].operations <= i, i < stageStarts[k + 1].operations { found = k }
        }
        return found
    }
}
