import Foundation
import Alerting
import ClusterObservation
import GroundTruth
import LoadEngine
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// A step's record while its runner fills it in. Metric values go in only through the metrics
/// the runner's kind declares, by key path into the kind's `Metrics`:
///
///     record[\.rows] = inserted              // an Int, because `rows` is a count
///     record[\.insertTime] = insertTime      // a Duration; the record keeps milliseconds
///
/// so a metric another kind declares, a name that is not declared at all, or a value of the
/// wrong unit does not compile. What else the kind records is its own `details` value, typed
/// (`record.details.watch = …`); notes and the common fields go to the `StepRecord`.
struct StepRecorder<Spec: RecordedStep> {
    private(set) var record: StepRecord
    /// The kind's details, filled in as the step goes; stored in the record when it ends.
    var details = Spec.Details()

    init(_ record: StepRecord) { self.record = record }

    /// The record with the details in it.
    var finished: StepRecord {
        var r = record
        r.details = details
        return r
    }

    subscript<Q: MetricQuantity>(metric: KeyPath<Spec.Metrics, Metric<Q>>) -> Q.Value? {
        get { record.metrics[Self.name(metric)].map(Q.value) }
        set { record.metrics[Self.name(metric)] = newValue.map(Q.recorded) }
    }

    /// The metric values as recorded (in their units), for reading.
    var metrics: [String: Double] { record.metrics }

    private static func name<Q>(_ metric: KeyPath<Spec.Metrics, Metric<Q>>) -> String {
        Spec.Metrics()[keyPath: metric].name
    }

    /// Says why these metrics are left out of the record (a threshold on one fails with the reason).
    mutating func leaveOut<Q>(_ metrics: KeyPath<Spec.Metrics, Metric<Q>>..., because reason: String) {
        for m in metrics { record.unverified = (record.unverified ?? [:]).merging([Self.name(m): reason]) { a, _ in a } }
    }

    var notes: [StepNote] {
        get { record.notes }
        set { record.notes = newValue }
    }
    var rates: [RateSamples]? {
        get { record.rates }
        set { record.rates = newValue }
    }
    var timeline: LoadTimelineRecord? {
        get { record.timeline }
        set { record.timeline = newValue }
    }
    var measuredFrom: Date? {
        get { record.measuredFrom }
        set { record.measuredFrom = newValue }
    }
}

extension StepRecorder where Spec.Metrics: SearchLatencyMetrics, Spec.Details: RequestLoadDetails & NodeTrafficRecording {
    /// A search load: the load's lifecycle (`runLoad`) with the query nodes' traffic read around
    /// and during its measured phase when `nodeTraffic` is on, and the client's overhead over
    /// the server's median.
    @discardableResult
    mutating func runSearchLoad(_ driver: LoadDriver, _ plan: LoadPlan, _ step: Step, _ context: RunContext, target: String,
                                nodeTraffic: Bool, every interval: ScenarioDuration, checkpoints: RecallCheckpoints? = nil,
                                timeline: TimelineSetting = .init(), warmedUp: () -> Void = {}) async throws -> LoadResult {
        guard nodeTraffic else {
            return try await runLoad(driver, plan, step, context, target: target, warmedUp: warmedUp, timeline: timeline) { phase in
                await RecallCheckpoints.beside(checkpoints, phase)
            }
        }
        // The nodes' counters are read around the measured phase only — after the warm-up — so
        // the traffic is that of the measured searches and nothing else.
        let (endpoints, collection, client) = (context.scenario.target.metrics, step.collection, context.client)
        let every = interval.milliseconds > 0 ? interval.swiftDuration : nil
        var started: NodeTrafficProbe.Start?
        var traffic: NodeTrafficDetails?
        var readFrom: Date?
        defer {
            if let started { notes += context.unreadableEndpoints(started.unreadable) + started.notes }
            if let traffic {
                recordTraffic(traffic)
                // A node whose metrics stopped answering explains shifts in the shares: said at once.
                for note in traffic.gapNotes { context.progress.note("\(step.id): \(note)") }
            }
            // Where the nodes' readings begin on the timeline's clock (just before the phase).
            if traffic != nil, let readFrom, let phase = measuredFrom { self.timeline?.trafficOffsetMs = (readFrom.timeIntervalSince(phase) * 1000).rounded() }
            compareWithServer()
        }
        return try await runLoad(driver, plan, step, context, target: target, warmedUp: warmedUp, timeline: timeline) { phase in
            readFrom = Date()
            let start = await NodeTrafficProbe.start(endpoints: endpoints, collection: collection, client: client, interval: every)
            started = start
            let result = await RecallCheckpoints.beside(checkpoints, phase)
            traffic = await start.probe?.finish()
            return result
        }
    }

    /// How much of the median latency is outside the server, once both the client's and the
    /// proxy's P50 are known.
    mutating func compareWithServer() {
        guard let client = self[\.load.p50], let server = self[\.traffic.serverP50] else { return }
        self[\.traffic.clientOverheadP50] = client - server
    }

    mutating func recordTraffic(_ t: NodeTrafficDetails) {
        details.traffic = t
        self[\.traffic.servingNodes] = t.nodes.filter { $0.requests > 0 }.count
        self[\.traffic.nodeShareImbalance] = t.nodeShareImbalance
        self[\.traffic.replicaShareImbalance] = t.replicaShareImbalance
        notes += t.gapNotes + t.idleReplicaGroupNotes
        self[\.traffic.nodeCpuPercentMax] = t.nodes.compactMap(\.cpuPercent).max()
        self[\.traffic.serverP50] = t.proxyLatency?.p50Ms.map { .milliseconds($0) }
        self[\.traffic.serverP99] = t.proxyLatency?.p99Ms.map { .milliseconds($0) }
    }
}

extension StepRecorder where Spec.Metrics: RecallMetrics, Spec.Details: RecallRecording {
    /// Scores recall@topK on a sample of the step's queries when the step asks for it (after the
    /// measured queries, so they are not slowed): details, the three metrics, or a note saying
    /// why recall is unknown (a threshold on it then fails with that reason).
    mutating func measureRecall(_ setting: RecallSetting?, _ template: SearchTemplate, _ step: Step, _ context: RunContext,
                                checkpoints: RecallCheckpoints? = nil) async {
        if let checkpoints { recordCheckpoints(checkpoints) }
        guard let setting, !context.isStopping else { return }
        context.progress.stepProgress(step, "recall: scoring \(setting.queries) queries")
        let outcome = await RecallProbe.measure(setting, template: template, context: context)
        if let note = outcome.note {
            notes.append(note)
            leaveOut(\.quality.recall, \.quality.recallMin, \.quality.recallP5, because: note.description)
            leaveOut(\.quality.resurrectedRows, \.quality.wrongHits, because: note.description)
        }
        guard let d = outcome.details, let s = Recall.summary(d.perQuery) else { return }
        details.recall = d
        self[\.quality.recall] = s.mean
        self[\.quality.recallMin] = s.min
        self[\.quality.recallP5] = s.p5
        self[\.quality.resurrectedRows] = d.resurrected
        self[\.quality.wrongHits] = d.hitsChecked.map { _ in (d.wrongValues ?? 0) + (d.wrongScores ?? 0) }
        let n = (d.resurrected ?? 0) + (d.wrongValues ?? 0) + (d.wrongScores ?? 0)
        if let examples = d.examples, n > 0 {
            notes.append(.wrongAnswers(n, examples))
        }
    }

    /// The checkpoints scored while the queries ran: the series, the lowest, and their wrong hits.
    mutating func recordCheckpoints(_ checkpoints: RecallCheckpoints) {
        let (series, examples) = checkpoints.collected
        self[\.quality.checkpoints] = series.count
        self[\.quality.checkpointMin] = series.map(\.recall).min()
        guard !series.isEmpty else { return }
        if details.recall == nil {
            // Only checkpoints (a `parallel` member is not scored again after its queries).
            details.recall = RecallDetails(queries: checkpoints.setting.queries, k: checkpoints.template.settings.topK,
                                           metric: checkpoints.template.metric ?? "", source: "regenerated", rows: series.last?.rows ?? 0,
                                           groundTruthMs: 0, reused: false, kernel: "", perQuery: [])
        }
        details.recall?.checkpoints = series
        let wrong = series.reduce(0) { $0 + $1.resurrected }
        self[\.quality.resurrectedRows] = (self[\.quality.resurrectedRows] ?? 0) + wrong
        if wrong > 0 {
            let earlier = details.recall?.examples ?? []
            details.recall?.examples = Array((earlier + examples).prefix(5))
            notes.append(.wrongAnswers(wrong, Array(examples.prefix(5)), suffix: " (at the checkpoints)"))
        }
    }
}

/// Recall scored every `recall.every` while a search load runs, against the rows acknowledged by
/// then less those the consistency level may not show yet.
final class RecallCheckpoints: Sendable {
    let setting: RecallSetting
    let template: SearchTemplate
    let context: RunContext
    private let state = Mutex<(series: [RecallCheckpoint], examples: [AnswerExample])>(([], []))

    /// nil unless the step's `recall` has `every`.
    init?(_ setting: RecallSetting?, _ template: SearchTemplate, _ context: RunContext) {
        guard let setting, setting.every != nil else { return nil }
        self.setting = setting
        self.template = template
        self.context = context
    }

    var collected: (series: [RecallCheckpoint], examples: [AnswerExample]) { state.withLock { $0 } }

    /// Runs `phase` with the checkpoints beside it (none when `checkpoints` is nil).
    static func beside(_ checkpoints: RecallCheckpoints?, _ phase: () async -> LoadResult) async -> LoadResult {
        guard let checkpoints else { return await phase() }
        let task = checkpoints.start()
        let result = await phase()
        task.cancel()
        await task.value
        return result
    }

    private func start() -> Task<Void, Never> {
        let every = setting.every!.swiftDuration
        let start = ContinuousClock.now
        let graceful = context.scenario.target.gracefulTime.swiftDuration
        let bound = Staleness.bound(template.settings.consistency.rawValue, gracefulTime: graceful) ?? graceful
        return Task {
            var due = start + every
            while !Task.isCancelled, !context.isStopping {
                do { try await Task.sleep(until: due) } catch { return }
                let sent = ContinuousClock.now
                // On the schedule: a checkpoint that took longer than `every` skips the ones it overran.
                while due <= sent { due += every }
                let outcome = await RecallProbe.measure(setting, template: template, context: context, visibleBefore: sent - bound)
                guard !Task.isCancelled, let d = outcome.details, let s = Recall.summary(d.perQuery) else { continue }
                context.progress.note("recall checkpoint at \(Int((sent - start).milliseconds / 1000)) s: \(String(format: "%.3f", s.mean)) over \(d.rows.formatted()) rows")
                state.withLock {
                    $0.series.append(RecallCheckpoint(atMs: (sent - start).milliseconds, recall: s.mean, recallMin: s.min, rows: d.rows,
                                                      resurrected: d.resurrected ?? 0, indeterminateHits: d.indeterminateHits ?? 0))
                    $0.examples += (d.examples ?? []).prefix(5 - min(5, $0.examples.count))
                }
            }
        }
    }
}
