/// `upsert`: writes generated rows whose primary keys may already exist, replacing those rows.
public struct UpsertStep: ParallelLoad {
    public static let shardRole = ShardRole.setup
    public static let kind = "upsert"
    public static let summary = "Upserts generated rows in batches, exactly like `insert` (same keys and generators): a row whose primary key exists replaces the stored one, the others are inserted. The primary key must be generated (not `autoId`): e.g. `generate: {id: {sequence: 0}}` rewrites the first rows of an insert that used the same sequence."
    public static let collectionUse = CollectionUse.required
    /// The same keys as `insert`.
    public typealias Keys = InsertStep.Keys

    public struct Metrics: RowWriteMetrics {
        public init() {}
        public let rows = Metric<CountValue>("rows", .neither, "Rows upserted.")
        public let rowsPerSecond = Metric<RateValue>("rowsPerSecond", .higher, "Rows per second over the upsert phase.")
        public let writeTime = Metric<DurationValue>("upsertTime", .lower, "Time spent in upsert requests.")
        public let flushing = FlushMetrics()
        public let totalTime = Metric<DurationValue>.totalTime("the whole step")
        public let freshness = FreshnessMetrics()
        public let pacing = PacingMetrics()
    }

    /// The rows, as an insert step would write them.
    public var rows: InsertStep
    public var hasOwnEnd: Bool { rows.hasOwnEnd }
    public var serverNeeds: [ServerNeed] { [ServerNeed("Upsert", because: "the upsert step writes with it")] }
    public mutating func runInParallel(for duration: ScenarioDuration) { rows.runInParallel(for: duration) }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        rows = InsertStep(r, kind: Self.kind)
    }
}

/// What a step that writes generated rows (`insert`, `upsert`) records.
public protocol RowWriteMetrics: StepMetrics {
    var rows: Metric<CountValue> { get }
    var rowsPerSecond: Metric<RateValue> { get }
    /// Time spent in the write requests (`insertTime`, `upsertTime`).
    var writeTime: Metric<DurationValue> { get }
    var flushing: FlushMetrics { get }
    var freshness: FreshnessMetrics { get }
    var pacing: PacingMetrics { get }
}

/// Flushing, as insert and upsert record it.
public struct FlushMetrics: MetricGroup {
    public init() {}
    public let flushTime = Metric<DurationValue>("flushTime", .lower, "Time from the flush request until it returned.")
    public let sealTime = Metric<DurationValue>("sealTime", .lower, "Time from the flush until every segment was sealed (and indexed).")
    public let flushes = Metric<CountValue>("flushes", .neither, "Flush requests sent (one per `segmentRows`, plus the final one).")
}

/// How soon written rows became visible (`freshness`).
public struct FreshnessMetrics: MetricGroup {
    public init() {}
    public let samples = Metric<CountValue>("freshness.samples", .neither, "Rows probed for visibility (`freshness`).")
    public let p50 = Metric<DurationValue>("freshness.p50", .lower, "Median time from a batch's acknowledgement until a query at the collection's consistency level found its last row.")
    public let p99 = Metric<DurationValue>("freshness.p99", .lower, "99th percentile of that time.")
    public let max = Metric<DurationValue>("freshness.max", .lower, "Longest of that time.")
    public let timeouts = Metric<CountValue>("freshness.timeouts", .lower, "Probed rows not found within `freshnessTimeout`.")
    public let overBound = Metric<CountValue>("freshness.overBound", .lower, "Probed rows a query sent at least the consistency level's staleness bound after the acknowledgement did not find (0 under Strong and Session, `target.gracefulTime` under Bounded; not recorded under Eventually): what the answer checks count as wrong, not stale.")
}

/// A write paced by `rate` (an open loop of batches, one in flight): how it kept its schedule.
public struct PacingMetrics: MetricGroup {
    public init() {}
    public let late = Metric<CountValue>("late", .lower, "(`rate`) Batches sent after their scheduled time: the previous batch was still in flight (the server took longer than the schedule allowed).")
    public let dropped = Metric<CountValue>("dropped", .lower, "(`rate`, inside `parallel`) Batches due before the parallel ended but never sent.")
    public let lateMax = Metric<DurationValue>("lateMax", .lower, "(`rate`) The most a batch was sent after its scheduled time.")
}

extension DiagnosticCode {
    public static let upsertAutoId = DiagnosticCode("upsert-auto-id")
}

extension UpsertStep {
    /// As an insert's rows, and the primary key must be one the rows carry (not autoId).
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard let collection = step.collection else { return }
        checks.checkEnd(rows, step)
        guard let create = checks.create(of: step) else { return }
        checks.check(rows, create.fields)
        checks.checkDynamic(rows, create)
        if let key = create.fields.first(where: \.primary), key.autoId {
            checks.decoder.error(step.mark, .upsertAutoId, "'\(collection)' assigns its primary key '\(key.name)' itself (autoId), so rows cannot be upserted by key; create it with autoId: false and generate the key")
        }
    }
}

extension UpsertStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.upsertAutoId]

    public static let examples: [StepExample] = [
        .valid("New vectors for the rows with keys 0 to 999", """
            - upsert: {rows: 1000, generate: {id: {sequence: 0}, embedding: {uniform: [0, 1], seed: 7}}}
            """),
        .invalid("Upserting by a key the server assigns", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true, autoId: true}
                  - {name: embedding, type: floatVector, dim: 8}
            - upsert: {rows: 10}
            """, after: .none, .upsertAutoId),
    ]
}
