/// `load`: loads the collection into query nodes with N replicas and verifies the groups exist.
public struct LoadStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let kind = "load"
    public static let summary = "Loads the collection with `replicas` in-memory replicas, waits for 100 %, then verifies with GetReplicas that that many replica groups exist (some servers accept replicas they do not have). Loading more replicas than there are query nodes fails with the server's reason — inside a `sweep` that row is marked \"not supported by this deployment\"."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}

        public let replicas = Key.integer("replicas", min: 1, max: 64, .defaultValue("1"), "Number of replicas; each needs its own query node.")
        public let wait = Key.boolean("wait", .defaultValue("true"), "Wait until loading reaches 100 %. With `false` the step ends once the server has accepted the load (then `replicas` is not verified nor recorded), e.g. to search while the collection is still loading.")
        public let verify = Key.boolean("verify", .runtimeDefault("the value of `wait`"), "Check with GetReplicas that the replica groups exist (needs `wait`).")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("10m"), "Longest wait for loading.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let replicas = Metric<CountValue>("replicas", .neither, "Replica groups the server reports after loading.")
        public let totalTime = Metric<DurationValue>.totalTime("loading")
    }

    public var replicas: Int
    public var serverNeeds: [ServerNeed] {
        replicas > 1 && verify ? [ServerNeed("GetReplicas", because: "the load step verifies its \(replicas) replicas with it (verify: false loads without checking)")] : []
    }
    public var wait: Bool
    public var verify: Bool
    public var timeout: ScenarioDuration
    public var deadline: ScenarioDuration? { timeout }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        replicas = r[\.replicas] ?? 1
        wait = r[\.wait] ?? true
        verify = r[\.verify] ?? wait
        if verify, !wait {
            r.decoder.error(r.mark(\.verify), .loadVerifyWithoutWait, "'verify: true' needs 'wait: true': replica groups can be checked only once loading has finished")
        }
        timeout = r[\.timeout] ?? .seconds(600)
    }
}

extension DiagnosticCode {
    public static let loadVerifyWithoutWait = DiagnosticCode("load-verify-without-wait")
}

extension LoadStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.loadVerifyWithoutWait]

    public static let examples: [StepExample] = [
        .valid("Two replicas, checked to be two groups on separate query nodes", """
            - index: {type: HNSW, metric: L2}
            - load: {replicas: 2}
            """, after: .created),
        .invalid("Verifying replica groups without waiting for the load", """
            - load: {replicas: 2, wait: false, verify: true}
            """, after: .created, .loadVerifyWithoutWait),
    ]
}
