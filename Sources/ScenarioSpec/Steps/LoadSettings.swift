/// How a request load is driven and how long it lasts; shared by every load kind
/// (`concurrentSearch`, `query`, `hybridSearch`).
///
/// `rate` means the same everywhere — here, in an insert's `rate`, in a watch's background loads
/// and in `capacity`: an open loop. Operation *i* is due at *i* ÷ rate from the start, whatever
/// happened to the operations before it; at most `concurrency` are in flight; one due while every
/// slot is busy waits and counts as `late`, one still waiting when the load ends as `dropped`;
/// latency is measured from the due time, so a stalled server shows. `stages` ramps the rate.
public struct LoadSettings: Sendable, Hashable {
    /// How the load is driven.
    public enum Loop: Sendable, Hashable {
        case closed(workers: Int)
        case open(rate: Rate, maxInFlight: Int)
        /// The rate ramps from `start` through the stages.
        case ramping(start: Rate, stages: [Stage], maxInFlight: Int)
    }

    /// One stage of a ramping rate: linearly to `rate` over `duration`.
    public struct Stage: Sendable, Hashable {
        public var rate: Rate
        public var duration: ScenarioDuration
    }

    /// `stages` items.
    public struct StageKeys: KeySet {
        public init() {}
        public let rate = Key.rate("rate", .required, "The rate at the end of the stage, e.g. `500/s`.")
        public let duration = Key.duration("duration", allowZero: false, .required, "How long the stage lasts.")
    }

    public static let stageInfo = ObjectInfo(
        name: "rate_stage", title: "rate stage",
        doc: "One stage of a ramping rate: from the previous stage's rate (or `startRate`) linearly to `rate` over `duration`, like k6's `ramping-arrival-rate` stages. Hold a rate by repeating it.")

    public var end: CountOrDuration
    public var loop: Loop
    public var warmup: CountOrDuration
    /// Whether `queries` or `duration` was written (inside `parallel`, the parallel's end applies otherwise).
    public var endWritten: Bool
    /// Keep each interval's latency histogram in run.json; nil: when the measured phase lasts at
    /// most 2 minutes.
    public var intervalHistograms: Bool?
    /// Commands run at set times into the measured phase.
    public var faults: [WatchStep.Fault] = []

    /// The load keys, worded for requests called `what` ("queries").
    public struct Keys: KeySet {
        public let queries: Key<Int>
        public let duration = Key.duration("duration", allowZero: false, .optional, "Run for this long instead of a count.")
        public let concurrency: Key<Int>
        public let rate: Key<Rate>
        public let warmup: Key<CountOrDuration>
        public let stages: ObjectListKey<StageKeys>
        public let startRate: Key<Rate>
        public let intervalHistograms = Key.boolean("intervalHistograms", .runtimeDefault("true when the measured phase lasts at most 2 minutes"),
                                                    "Keep every second's latency histogram in run.json's `timeline` (P50, P99 and max per second are always kept). A 10-minute step's timeline is about 20 KB of run.json without them and 100–250 KB with them (measured: 18.5 KB and 135 KB at 200 searches/s).")
        public let faults = ObjectListKey<WatchStep.FaultKeys>("faults", WatchStep.faultInfo, minCount: 0, .defaultValue("[]"),
                                                            "Commands run at set times into the measured phase (after the warm-up), e.g. `[{at: 8s, run: [scripts/milvus-local, cluster, freeze, querynode, \"2\"]}, {at: 18s, run: [scripts/milvus-local, cluster, thaw, querynode, \"2\"]}]`; the timeline chart marks them and run.json's `timeline.faults` keeps each one's time, exit code and output.")

        public init() { self.init("requests") }

        public init(_ what: String) {
            queries = Key.integer("queries", min: 1, max: nil, .runtimeDefault("100, when `duration` is not set"), "Number of measured \(what).")
            concurrency = Key.integer("concurrency", min: 1, max: 1024, .defaultValue("10"), "Closed loop: number of workers. Open loop: most \(what) in flight.")
            rate = Key.rate("rate", .optional, "Open loop: target \(what) per second, e.g. `200/s`.")
            warmup = Key.countOrDuration("warmup", .defaultValue("0"), "\(what.prefix(1).uppercased() + what.dropFirst()) (`20`) or time (`5s`) run first and left out of the results.")
            stages = ObjectListKey("stages", LoadSettings.stageInfo, minCount: 1, .optional,
                                   "A ramping rate (open loop): stages of `{rate, duration}`, e.g. `[{rate: 100/s, duration: 30s}, {rate: 500/s, duration: 1m}, {rate: 500/s, duration: 1m}]`; the load lasts their durations together, and the record keeps each stage's \(what), errors, P50 and P99. `concurrency` caps \(what) in flight.")
            startRate = Key.rate("startRate", .runtimeDefault("none: the first stage ramps up from 0"), "With `stages`: the rate the first stage ramps from.")
        }
    }

    public static let constraints: [KeyConstraint] = [.atMostOne(\Keys.queries, \Keys.duration, \Keys.stages), .atMostOne(\Keys.rate, \Keys.stages)]

    init(_ r: KeyReader<Keys>) {
        let queries = r[\.queries]
        let duration = r[\.duration]
        end = duration.map(CountOrDuration.duration) ?? .count(queries ?? 100)
        endWritten = queries != nil || duration != nil
        let concurrency = r[\.concurrency] ?? 10
        let stages = r.objects(\.stages) { s -> Stage? in
            guard let rate = s[\.rate], let duration = s[\.duration] else { return nil }
            return Stage(rate: rate, duration: duration)
        } ?? []
        let startRate = r[\.startRate] ?? Rate(perSecond: 0)
        if let rate = r[\.rate] {
            loop = .open(rate: rate, maxInFlight: concurrency)
        } else if !stages.isEmpty {
            loop = .ramping(start: startRate, stages: stages, maxInFlight: concurrency)
            // The stages are the load's length.
            end = .duration(ScenarioDuration(milliseconds: stages.map(\.duration.milliseconds).reduce(0, +)))
            endWritten = true
            if stages.allSatisfy({ $0.rate.perSecond == 0 }), startRate.perSecond == 0 {
                r.decoder.error(r.mark(\.stages), .valueOutOfRange, "every stage's rate is 0/s: the load would send nothing")
            }
        } else {
            loop = .closed(workers: concurrency)
        }
        warmup = r[\.warmup] ?? .count(0)
        intervalHistograms = r[\.intervalHistograms]
        faults = r.objects(\.faults, WatchStep.Fault.init) ?? []
        if case .duration(let d) = end {
            for f in faults where f.at >= d {
                r.decoder.error(f.mark, .valueOutOfRange, "fault at \(f.at) is not within the load's duration (\(d)); it would never run")
            }
        }
    }
}
