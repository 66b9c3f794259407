import GroundTruth
import ScenarioRecord
import ScenarioSpec

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
}

extension StepRecorder where Spec.Metrics: LoadLatencyMetrics {
    /// The latency metrics every request-load kind records, from one phase's result.
    mutating func recordLoad(_ result: LoadResult) {
        self[\.queries] = result.completed + result.errors
        self[\.errors] = result.errors
        self[\.errorRate] = result.errorRate
        self[\.totalTime] = result.wall
        self[\.qps] = result.qps
        record.rates = result.qpsSamples.map { [$0] }
        record.measuredFrom = result.startedAt
        if let l = result.latencySummary {
            self[\.avg] = l.mean
            self[\.p50] = l.p50
            self[\.p99] = l.p99
            self[\.max] = l.max
        }
    }
}

extension StepRecorder where Spec.Metrics: LatencyPercentiles {
    /// The rest of the percentile spread, for the kinds that record it.
    mutating func recordPercentiles(_ result: LoadResult) {
        guard let l = result.latencySummary else { return }
        self[\.min] = l.min
        self[\.p90] = l.p90
        self[\.p95] = l.p95
        self[\.p999] = l.p999
    }
}

extension StepRecorder where Spec.Metrics: SearchLatencyMetrics {
    /// A search load's latency metrics, and the client's overhead over the server's P50.
    mutating func recordLatency(_ result: LoadResult) {
        recordLoad(result)
        compareWithServer()
    }

    /// How much of the median latency is outside the server: once both the client's and the
    /// proxy's P50 are known (the load's and the traffic's results are recorded in either order).
    private mutating func compareWithServer() {
        guard let client = self[\.p50], let server = self[\.serverP50] else { return }
        self[\.clientOverheadP50] = client - server
    }
}

extension StepRecorder where Spec.Metrics: SearchLatencyMetrics, Spec.Details: NodeTrafficRecording {
    /// Runs a search step's measured load with the query nodes' traffic read around and during
    /// it (when `enabled`), and records it: details, metrics, and notes on what could not be read.
    mutating func measuringNodeTraffic<T>(_ enabled: Bool, every interval: ScenarioDuration, _ step: Step, _ context: RunContext,
                                          _ load: () async throws -> T) async rethrows -> T {
        guard enabled else { return try await load() }
        let start = await NodeTrafficProbe.start(endpoints: context.scenario.target.metrics, collection: step.collection,
                                                 client: context.client, interval: interval.milliseconds > 0 ? interval.swiftDuration : nil)
        notes += context.unreadableEndpoints(start.unreadable) + start.notes
        let result: T
        do { result = try await load() } catch {
            if let probe = start.probe { _ = await probe.finish() }
            throw error
        }
        if let probe = start.probe { recordTraffic(await probe.finish()) }
        return result
    }

    mutating func recordTraffic(_ t: NodeTrafficDetails) {
        details.traffic = t
        self[\.servingNodes] = t.nodes.filter { $0.requests > 0 }.count
        self[\.nodeShareImbalance] = t.nodeShareImbalance
        self[\.replicaShareImbalance] = t.replicaShareImbalance
        notes += t.idleReplicaGroupNotes
        self[\.nodeCpuPercentMax] = t.nodes.compactMap(\.cpuPercent).max()
        self[\.serverP50] = t.proxyLatency?.p50Ms.map { .milliseconds($0) }
        self[\.serverP99] = t.proxyLatency?.p99Ms.map { .milliseconds($0) }
        compareWithServer()
    }
}

extension StepRecorder where Spec.Metrics: RecallMetrics, Spec.Details: RecallRecording {
    /// Scores recall@topK on a sample of the step's queries when the step asks for it (after the
    /// measured queries, so they are not slowed): details, the three metrics, or a note saying
    /// why recall is unknown (a threshold on it then fails with that reason).
    mutating func measureRecall(_ setting: RecallSetting?, _ template: SearchTemplate, _ step: Step, _ context: RunContext) async {
        guard let setting, !context.isStopping else { return }
        context.progress.stepProgress(step, "recall: scoring \(setting.queries) queries")
        let outcome = await RecallProbe.measure(setting, template: template, context: context)
        if let note = outcome.note {
            notes.append(note)
            leaveOut(\.recall, \.recallMin, \.recallP5, because: note.description)
        }
        guard let d = outcome.details, let s = Recall.summary(d.perQuery) else { return }
        details.recall = d
        self[\.recall] = s.mean
        self[\.recallMin] = s.min
        self[\.recallP5] = s.p5
    }
}
