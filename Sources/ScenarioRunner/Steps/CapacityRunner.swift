import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Which rate to try next: up by steps until one fails, then halving the gap between the last
/// passing and the first failing rate. Pure, so its order is tested without a server.
struct RateSearch: Sendable {
    let stepped: [Double]
    let bisections: Int
    private(set) var lastPass: Double?
    private(set) var firstFail: Double?
    private var index = 0
    private var halvings = 0

    init(stepped: [Double], bisections: Int) {
        self.stepped = stepped
        self.bisections = bisections
    }

    /// The next rate and its phase, or nil when the search is over.
    func next() -> (rate: Double, phase: String)? {
        guard let fail = firstFail else { return index < stepped.count ? (stepped[index], "step") : nil }
        // Nothing passed at the first rate: there is no gap to search.
        guard let pass = lastPass, halvings < bisections else { return nil }
        let mid = Self.round((pass + fail) / 2)
        return mid > pass && mid < fail ? (mid, "bisect") : nil
    }

    mutating func record(_ rate: Double, passed: Bool) {
        if firstFail == nil { index += 1 } else { halvings += 1 }
        if passed {
            lastPass = max(lastPass ?? rate, rate)
        } else {
            firstFail = min(firstFail ?? rate, rate)
        }
    }

    /// Whole queries per second above 20/s, tenths below.
    static func round(_ rate: Double) -> Double { rate >= 20 ? rate.rounded() : (rate * 10).rounded() / 10 }
}

struct CapacityRunner: StepRunner {
    /// A rate is achieved when at least this share of it completed.
    static let achievedShare = 0.95
    /// More than this share of queries handed out late with a connection idle: the client is the limit.
    static let clientLateShare = 0.05

    func run(_ spec: CapacityStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<CapacityStep>) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let template = try await SearchTemplate(step: step, settings: spec.search, context: context)
        let query = try template.queryLoad(context.client, try template.queryPool(size: 1024))
        let cap = spec.concurrency ?? Self.defaultConcurrency(to: spec.to.perSecond, p99: spec.p99.milliseconds)

        // Recall does not depend on the rate: measured once, before, when asked.
        await record.measureRecall(spec.recall, template, step, context)
        let recallShort: StepNote? = spec.minRecall.flatMap { floor in
            record[\.quality.recall].flatMap {
                $0 < floor ? StepNote(.capacityRecall, ["recall": String(format: "%.3f", $0), "floor": String(format: "%.3f", floor)]) : nil
            }
        }

        let sla = spec.p99.milliseconds
        var search = RateSearch(stepped: spec.steppedRates, bisections: spec.bisect)
        var tried: [CapacityDetails.Rate] = []
        var clientLimited = false
        while let (rate, phase) = search.next(), !context.isStopping {
            // Each rate is a constant-rate load of its own: warm-up, then the hold measured.
            let driver = LoadDriver.forStep(.constantRate(perSecond: rate, maxInFlight: cap), context, operation: query)
            let plan = LoadPlan(shape: driver.shape, warmup: .time(spec.warmup.swiftDuration), length: .time(spec.hold.swiftDuration))
            let label = "\(Self.rateText(rate))/s"
            let progress = LoadProgress()
            let result = await driver.run(plan, progress: progress, warmingUp: { _ in
                context.progress.stepProgress(step, "\(label): warming up for \(spec.warmup)")
            }, warmedUp: {
                context.progress.stepProgress(step, "\(label): measuring for \(spec.hold)")
            }).result
            if let fatal = result.fatal { throw fatal }
            let latency = result.latencySummary
            let achieved = Double(result.completed) / (spec.hold.milliseconds / 1000)
            let p99 = latency.map { DurationValue.recorded($0.p99) }
            var reasons: [StepNote] = []
            if let p99, p99 >= sla { reasons.append(StepNote(.capacityP99, ["p99": Self.msText(p99), "limit": Self.msText(sla)])) }
            if p99 == nil { reasons.append(StepNote(.capacityNoQuery)) }
            if result.errorRate > spec.maxErrorRate {
                reasons.append(StepNote(.capacityErrors, ["rate": String(format: "%.2f", result.errorRate), "limit": Self.rateText(spec.maxErrorRate)]))
            }
            if achieved < rate * Self.achievedShare {
                reasons.append(StepNote(.capacityAchieved, ["achieved": Self.rateText(achieved), "share": String(Int(Self.achievedShare * 100)), "target": Self.rateText(rate)]))
            }
            if let recallShort { reasons.append(recallShort) }
            let sent = result.completed + result.errors
            let clientBehind = sent > 0 && Double(result.clientLate) / Double(sent) > Self.clientLateShare
            if clientBehind {
                reasons.append(StepNote(.capacityClientLimit, ["late": String(result.clientLate), "sent": String(sent)]))
            }
            tried.append(CapacityDetails.Rate(phase: phase, target: rate, achieved: achieved, p50Ms: latency.map { DurationValue.recorded($0.p50) },
                                              p99Ms: p99, errors: result.errors, errorRate: result.errorRate, late: result.late, dropped: result.dropped,
                                              clientLate: result.clientLate, passed: reasons.isEmpty, reasons: reasons))
            context.progress.note("\(step.id): \(label) " + (reasons.isEmpty ? "passed" : "failed: " + reasons.map(\.description).joined(separator: "; ")))
            if clientBehind {
                // Above this rate the numbers would measure the client.
                clientLimited = true
                break
            }
            search.record(rate, passed: reasons.isEmpty)
        }
        let best = tried.filter(\.passed).max { $0.target < $1.target }
        record.details.capacity = CapacityDetails(rates: tried, p99LimitMs: sla, maxErrorRate: spec.maxErrorRate, minRecall: spec.minRecall,
                                                  holdMs: spec.hold.milliseconds, concurrency: cap, maxQps: best?.target, clientLimited: clientLimited)
        record[\.maxQps] = best?.target ?? 0
        record[\.p99AtMax] = best?.p99Ms.map { .milliseconds($0) }
        record[\.ratesTried] = tried.count
        record[\.clientLimited] = clientLimited
        record[\.totalTime] = clock.now - start
    }

    /// Enough connections for the highest rate at twice the SLA's latency (Little's law: rate ×
    /// latency are in flight). A rate whose queries take longer fails the SLA anyway, so more
    /// would only cost the client memory and threads.
    static func defaultConcurrency(to rate: Double, p99 ms: Double) -> Int {
        min(4096, Int((rate * ms / 1000 * 2).rounded(.up)) + 8)
    }

    static func rateText(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }
    static func msText(_ ms: Double) -> String { ms >= 100 ? String(format: "%.0f ms", ms) : String(format: "%.1f ms", ms) }
}
