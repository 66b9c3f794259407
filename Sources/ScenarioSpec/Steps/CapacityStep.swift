/// `capacity`: the highest search rate the deployment sustains within an SLA.
public struct CapacityStep: SearchingStep {
    public static let kind = "capacity"
    public static let summary = "Finds the highest search rate that holds an SLA (VectorDBBench's most asked-for test). Open-loop rates go up from `from` by `step` to `to`; each is sent for `warmup` (not measured), then held for `hold`. A rate passes when its P99 — measured from each query's due time, so queueing shows — is under `p99`, its error rate at most `maxErrorRate`, and at least 95 % of the rate was achieved. After the first failing rate, the gap to the last passing one is bisected `bisect` times. `maxQps` is the highest passing rate. When the client itself falls behind (queries handed out late although a connection was idle), the search stops there and says so: that is the client's limit, not the server's."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}

        public let from = Key.rate("from", .required, "First rate tried, e.g. `50/s`.")
        public let to = Key.rate("to", .required, "Highest rate tried, e.g. `1000/s`.")
        public let step = Key.rate("step", .runtimeDefault("a quarter of `to` − `from`"), "How much each next rate adds.")
        public let bisect = Key.integer("bisect", min: 0, max: 10, .defaultValue("3"), "Halvings of the gap between the last passing and the first failing rate.")
        public let hold = Key.duration("hold", allowZero: false, .defaultValue("20s"), "How long each rate is measured.")
        public let warmup = Key.duration("warmup", allowZero: true, .defaultValue("5s"), "How long each rate is sent before it is measured (not counted).")
        public let p99 = Key.duration("p99", allowZero: false, .required, "The SLA: a rate passes only with P99 below this, e.g. `50ms`.")
        public let maxErrorRate = Key.percent("maxErrorRate", .defaultValue("0%"), "The SLA's error budget: a rate with more failed queries fails.")
        public let minRecall = Key.fraction("minRecall", .optional, "With `recall` set: when recall is below this, no rate passes (faster answers of the wrong rows are no capacity).")
        public let concurrency = Key.integer("concurrency", min: 1, max: 4096, .runtimeDefault("`to` × 2 × `p99` + 8 (twice what the highest rate keeps in flight within the SLA), at most 4,096"), "Most queries in flight.")
        public let recall = RecallSetting.key()
        public let search = SearchSettings.Keys()
    }

    public struct Metrics: RecallMetrics {
        public init() {}
        public let maxQps = Metric<RateValue>("maxQps", .higher, "Highest rate that passed the SLA (0 when none did).")
        public let p99AtMax = Metric<DurationValue>("p99AtMax", .lower, "P99 at `maxQps`.")
        public let ratesTried = Metric<CountValue>("ratesTried", .neither, "Rates measured (steps and bisections).")
        public let clientLimited = Metric<FlagValue>("clientLimited", .lower, "1 when the search stopped because the client could not keep a rate: `maxQps` is then the client's limit, not the server's.")
        public let totalTime = Metric<DurationValue>.totalTime("every rate")
        public let quality = QualityMetrics()
    }

    public var from: Rate
    public var to: Rate
    public var step: Rate?
    public var bisect: Int
    public var hold: ScenarioDuration
    public var warmup: ScenarioDuration
    public var p99: ScenarioDuration
    /// Percent, 0–100.
    public var maxErrorRate: Double
    public var minRecall: Double?
    public var concurrency: Int?
    public var recall: RecallSetting?
    public var search: SearchSettings

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        from = r[\.from] ?? Rate(perSecond: 1)
        to = r[\.to] ?? Rate(perSecond: 2)
        step = r[\.step]
        bisect = r[\.bisect] ?? 3
        hold = r[\.hold] ?? .seconds(20)
        warmup = r[\.warmup] ?? .seconds(5)
        p99 = r[\.p99] ?? .seconds(1)
        maxErrorRate = r[\.maxErrorRate] ?? 0
        minRecall = r[\.minRecall]
        concurrency = r[\.concurrency]
        recall = r.object(\.recall) { RecallSetting($0) }
        search = SearchSettings(r.group(\.search))
        if r[\.from] != nil, r[\.to] != nil, from.perSecond >= to.perSecond {
            r.decoder.error(r.mark(\.to), .valueOutOfRange, "'to' (\(to)) must be above 'from' (\(from))")
        }
        if minRecall != nil, recall == nil {
            r.decoder.error(r.mark(\.minRecall), .keyMissing, "'minRecall' needs 'recall' (e.g. recall: {queries: 100}) to measure recall")
        }
    }

    /// The rates stepped through: from, from + step, … up to `to` (always included).
    public var steppedRates: [Double] {
        let increment = step?.perSecond ?? (to.perSecond - from.perSecond) / 4
        guard increment > 0 else { return [from.perSecond] }
        var rates: [Double] = []
        var r = from.perSecond
        while r < to.perSecond - 1e-9 {
            rates.append(r)
            r += increment
        }
        rates.append(to.perSecond)
        return rates
    }
}

extension CapacityStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("The highest rate from 50/s to 400/s with P99 under 100 ms", """
            - capacity: {from: 50/s, to: 400/s, p99: 100ms, hold: 20s}
            """),
    ]
}
