/// `health`: liveness, readiness and a real serving check, once.
public struct HealthStep: StepSpec {
    public static let shardRole = ShardRole.observe
    public static let kind = "health"
    public static let summary = "Checks the deployment once: CheckHealth (healthy, reasons, quota states), GetComponentStates, `/healthz` of every metrics endpoint, connect + list latency, and a **serving check** — a real search on the collection. \"Healthy\" means serving: after a restart `/healthz` says OK tens of seconds before searches work, so liveness is reported separately."
    public static let collectionUse = CollectionUse.optional

    public struct Keys: KeySet {
        public init() {}

        public let endpoints = Key.oneOrMore("endpoints", of: .url, .runtimeDefault("the target's `metrics`"), "Metrics base URLs whose `/healthz` is checked.")
        public let serving = Key.boolean("serving", .defaultValue("true"), "Run a real search on the collection; needs a collection.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("5s"), "Deadline of each check.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let healthy = Metric<FlagValue>("healthy", .higher, "1 when the deployment is serving: a real search succeeded (and CheckHealth agreed).")
        public let live = Metric<FlagValue>("live", .higher, "1 when every `/healthz` answered OK.")
        public let checkHealth = Metric<FlagValue>("checkHealth", .higher, "1 when CheckHealth answered healthy.")
        public let unhealthyComponents = Metric<CountValue>("unhealthyComponents", .lower, "Components reported unhealthy by GetComponentStates or `/healthz`.")
        public let latency = Metric<DurationValue>("latency", .lower, "Connect and list collections (the document's check).")
        public let searchLatency = Metric<DurationValue>("searchLatency", .lower, "Latency of the serving check's search.")
        public let totalTime = Metric<DurationValue>.totalTime("all checks")
    }

    public var endpoints: [String]?
    public var serving: Bool
    public var timeout: ScenarioDuration

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        endpoints = r[\.endpoints]
        serving = r[\.serving] ?? true
        timeout = r[\.timeout] ?? .seconds(5)
    }
}

extension HealthStep {
    public var collectionNeed: String? {
        serving ? "the serving check of 'health' searches a collection, but none is set: add 'collection: NAME', or 'serving: false'" : nil
    }
}

extension HealthStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Liveness, readiness and a real search, once", """
            - health: {id: ready}
            """),
    ]
}
