import Foundation
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
        let pool = try template.queryPool(size: 1024)
        let client = context.client
        let query = try template.queryLoad(client, pool)
        let cap = spec.concurrency ?? Self.defaultConcurrency(to: spec.to.perSecond, p99: spec.p99.milliseconds)

        // Recall does not depend on the rate: measured once, before, when asked.
        await record.measureRecall(spec.recall, template, step, context)
        let recallShort: String? = spec.minRecall.flatMap { floor in
            record[\.recall].flatMap { $0 < floor ? String(format: "recall %.3f < %.3f", $0, floor) : nil }
        }

        let sla = spec.p99.milliseconds
        var search = RateSearch(stepped: spec.steppedRates, bisections: spec.bisect)
        var tried: [CapacityDetails.Rate] = []
        var clientLimited = false
        while let (rate, phase) = search.next(), !context.isStopping {
            let load = SearchLoad(shape: .open(perSecond: rate, maxInFlight: cap), executors: client.loadExecutors,
                                  shouldStop: { context.isStopping }, query: query)
            let label = "\(Self.rateText(rate))/s"
            if spec.warmup.milliseconds > 0 {
                context.progress.stepProgress(step, "\(label): warming up for \(spec.warmup)")
                _ = await load.run(.time(spec.warmup.swiftDuration))
            }
            context.progress.stepProgress(step, "\(label): measuring for \(spec.hold)")
            let result = await load.run(.time(spec.hold.swiftDuration))
            if let fatal = result.fatal { throw fatal }
            let latency = result.latencySummary
            let achieved = Double(result.completed) / (spec.hold.milliseconds / 1000)
            let p99 = latency.map { DurationValue.recorded($0.p99) }
            var failures: [String] = []
            if let p99, p99 >= sla { failures.append("p99 \(Self.msText(p99)) ≥ \(Self.msText(sla))") }
            if p99 == nil { failures.append("no query completed") }
            if result.errorRate > spec.maxErrorRate { failures.append(String(format: "errors %.2f%% > %@%%", result.errorRate, Self.rateText(spec.maxErrorRate))) }
            if achieved < rate * Self.achievedShare {
                failures.append("achieved \(Self.rateText(achieved))/s < \(Int(Self.achievedShare * 100))% of \(label)")
            }
            if let recallShort { failures.append(recallShort) }
            let sent = result.completed + result.errors
            let clientBehind = sent > 0 && Double(result.clientLate) / Double(sent) > Self.clientLateShare
            if clientBehind {
                failures.append("client limit: \(result.clientLate) of \(sent) queries sent late with a connection idle")
            }
            tried.append(CapacityDetails.Rate(phase: phase, target: rate, achieved: achieved, p50Ms: latency.map { DurationValue.recorded($0.p50) },
                                              p99Ms: p99, errors: result.errors, errorRate: result.errorRate, late: result.late, dropped: result.dropped,
                                              clientLate: result.clientLate, passed: failures.isEmpty, failures: failures))
            context.progress.note("\(step.id): \(label) " + (failures.isEmpty ? "passed" : "failed: " + failures.joined(separator: "; ")))
            if clientBehind {
                // Above this rate the numbers would measure the client.
                clientLimited = true
                break
            }
            search.record(rate, passed: failures.isEmpty)
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
