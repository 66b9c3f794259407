/// A command to run: an argv list, or one shell line when `shell: true`.
public struct Command: Sendable, Hashable, CustomStringConvertible {
    public var argv: [String]
    public var shell: Bool
    public var mark: Mark

    public init(argv: [String], shell: Bool = false, mark: Mark) {
        self.argv = argv
        self.shell = shell
        self.mark = mark
    }

    public var description: String {
        shell ? "sh -c \(argv.first ?? "")" : argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    /// Reads a command key (argv list, or a string when `shell` is true) and `shell` from a mapping.
    static func read<K: KeySet>(_ r: KeyReader<K>, _ key: KeyPath<K, Key<[String]>>, shell shellKey: KeyPath<K, Key<Bool>>) -> Command? {
        let shell = r[shellKey] ?? false
        let name = r.name(key)
        if shell, let node = r.written(key), node.scalar != nil, !node.isNull {
            guard let (text, _) = r.decoder.text(node, what: "'\(name)'") else { return nil }
            return Command(argv: [text], shell: true, mark: node.mark)
        }
        guard let argv = r[key] else { return nil }
        if shell, argv.count > 1 {
            r.decoder.error(r.mark(key), .commandInvalid, "with 'shell: true', '\(name)' is one command line for sh -c (a string), not a list of \(argv.count) arguments")
        }
        return Command(argv: argv, shell: shell, mark: r.mark(key))
    }
}

/// `watch`: a monitoring loop with alert rules, notifications, recovery and scaling actions, and injected faults.
public struct WatchStep: StepSpec {
    public static let kind = "watch"
    public static let maySweep = false
    public static let summary = "For `duration`, every `interval`, runs the health checks (as the `health` step) and per-node resource checks, and evaluates alert `rules`. A rule fires when its `when` condition has held for `for`, notifies once, repeats at most once per `repeat` (default 5m: the document's storm suppression) and resolves when the condition clears. A rule's `recover` command runs when it fires; `scale` runs the document's auto-scaler; `faults` run commands at set times (e.g. kill a query node) so recovery is exercised for real; an optional `background` search load measures the success rate before, during and after a fault."
    public static let collectionUse = CollectionUse.optional

    public enum Severity: String, Sendable, CaseIterable {
        case info, warning, critical
    }

    /// What alert conditions may compare, evaluated at every check.
    public static let signals: [MetricSpec] = [
        MetricSpec("serving", .boolean, .higher, "1 when the serving check's real search succeeded."),
        MetricSpec("live", .boolean, .higher, "1 when every `/healthz` answered OK."),
        MetricSpec("healthy", .boolean, .higher, "1 when CheckHealth answered healthy."),
        MetricSpec("components.unhealthy", .count, .lower, "Components reported unhealthy."),
        MetricSpec("latency", .milliseconds, .lower, "Connect and list collections."),
        MetricSpec("node.memoryPercent", .percent, .lower, "Highest query-node memory as a percent of the machine's memory."),
        MetricSpec("node.cpuPercent", .percent, .lower, "Highest query-node CPU use."),
        MetricSpec("node.memoryMB", .count, .lower, "Highest query-node process memory in MiB."),
        MetricSpec("search.p99", .milliseconds, .lower, "P99 of the background search load over the last interval (needs `background`)."),
        MetricSpec("search.errorRate", .percent, .lower, "Failed background searches over the last interval (needs `background`)."),
        MetricSpec("search.qps", .perSecond, .higher, "Background searches per second over the last interval (needs `background`)."),
    ]

    public struct Rule: Sendable {
        public var name: String
        public var when: Condition
        public var whenText: String
        public var holdFor: ScenarioDuration
        public var severity: Severity
        public var repeatInterval: ScenarioDuration
        public var summary: String?
        /// Notifier names; nil means every declared notifier.
        public var notify: [String]?
        public var notifyMark: Mark
        public var recover: Command?
        public var mark: Mark
    }

    public struct Fault: Sendable, Hashable {
        public var name: String?
        public var at: ScenarioDuration
        public var command: Command
        public var mark: Mark

        /// One `faults` item, nil when it lacks its time or command (already reported).
        init?(_ f: KeyReader<FaultKeys>) {
            let (at, command, name) = (f[\.at], Command.read(f, \.run, shell: \.shell), f[\.name])
            guard let at, let command else { return nil }
            self.init(name: name, at: at, command: command, mark: f.node.mark)
        }

        init(name: String?, at: ScenarioDuration, command: Command, mark: Mark) {
            self.name = name
            self.at = at
            self.command = command
            self.mark = mark
        }
    }

    public struct Scaling: Sendable {
        /// Run with `${replicas}` set to the desired count.
        public var command: Command
        public var min: Int
        public var max: Int
        public var initial: Int
        public var cpuAbove: Double
        public var memoryAbove: Double
        public var cooldown: ScenarioDuration
    }

    public struct Background: Sendable {
        public var rate: Rate
        public var search: SearchSettings
        /// Most searches in flight; nil: enough for every search to hang until its timeout.
        public var maxInFlight: Int?
        /// Stop sending after this long from the watch's start (nil: for the whole watch), e.g.
        /// to see the scaler scale in once the load is gone.
        public var duration: ScenarioDuration?
        /// After `duration`: keep sending at this (lower) rate until the watch ends; nil: stop.
        public var rest: Rate?
        /// Check a sample of the answers at every check.
        public var verify: Bool = true
        /// Score recall at every check (nil: not).
        public var recall: RecallSetting?

        /// A background search's deadline when `timeout` is not set.
        public static let defaultTimeout = ScenarioDuration.seconds(5)
    }

    /// A steady insert load beside the searches: does the deployment take writes through a
    /// fault, and are the acknowledged rows still there afterwards?
    public struct Writes: Sendable {
        /// Inserts per second.
        public var rate: Rate
        /// Rows per insert.
        public var batch: Int
        public var timeout: ScenarioDuration
        public var maxInFlight: Int?
    }

    public struct RuleKeys: KeySet {
        public init() {}
        public let name = Key.identifier("name", .required, "Names the alert (its title in notifications).")
        public let when = Key.expression("when", what: "condition", .required, "Comparisons of the signals below joined by `and`/`or`, e.g. `serving == 0`, `node.memoryPercent > 80% or node.cpuPercent > 70%`.")
        public let `for` = Key.duration("for", allowZero: true, .defaultValue("0s"), "How long the condition must hold before the alert fires.")
        public let severity = Key<Severity>.choice("severity", .defaultValue("warning"), "Severity sent with notifications.")
        public let `repeat` = Key.duration("repeat", allowZero: false, .defaultValue("5m"), "While firing, notify again at most once per this interval (storm suppression).")
        public let summary = Key.text("summary", .optional, "Text of the notification.")
        public let notify = Key.list("notify", of: .identifier, minCount: 0, .runtimeDefault("every declared notifier"), "Names of the notifiers to use.")
        public let recover = Key.argv("recover", .optional, "Command run when the alert fires, e.g. `[kubectl, rollout, restart, deployment/milvus-querynode, -n, milvus-ha]`.")
        public let shell = Key.boolean("shell", .defaultValue("false"), "Run `recover` through `sh -c` (then it is one string).")
    }

    public static let ruleInfo = ObjectInfo(name: "alert_rule", title: "alert rule", doc: "When to alert, how often to repeat, whom to notify and what to run.")
    public static var ruleSpec: ObjectSpec { ruleInfo.spec(RuleKeys.self) }

    public struct FaultKeys: KeySet {
        public init() {}
        public let at = Key.duration("at", allowZero: true, .required, "When to run it, from the start of the watch (in a load step: of its measured phase, after the warm-up).")
        public let run = Key.argv("run", .required, "The command, e.g. `[scripts/milvus-local, cluster, kill, querynode, 2]`.")
        public let shell = Key.boolean("shell", .defaultValue("false"), "Run through `sh -c` (then `run` is one string).")
        public let name = Key.text("name", .optional, "Label in the report.")
    }

    public static let faultInfo = ObjectInfo(
        name: "fault", title: "fault", doc: "A command run at a set time into the watch or a load step's measured phase, to cause a failure on purpose. A fault whose time comes after the end is not run; one still running at the end is waited for (up to the 10-minute command deadline) and recorded with its exit code (in a watch, before the rows are counted). A load step marks its faults on its timeline chart.")
    public static var faultSpec: ObjectSpec { faultInfo.spec(FaultKeys.self) }

    public struct ScaleKeys: KeySet {
        public init() {}
        public let run = Key.argv("run", .required, "Command run with `${replicas}` set to the desired count, e.g. `[kubectl, scale, deployment/milvus-querynode, '--replicas=${replicas}', -n, milvus-ha]`.")
        public let min = Key.integer("min", min: 0, max: nil, .defaultValue("1"), "Fewest replicas.")
        public let max = Key.integer("max", min: 1, max: nil, .required, "Most replicas.")
        public let initial = Key.integer("initial", min: 0, max: nil, .runtimeDefault("`min`"), "Replicas running when the watch starts.")
        public let cpuAbove = Key.percent("cpuAbove", .defaultValue("70%"), "Scale up when average CPU is above this.")
        public let memoryAbove = Key.percent("memoryAbove", .defaultValue("80%"), "Scale up when average memory is above this.")
        public let cooldown = Key.duration("cooldown", allowZero: true, .defaultValue("5m"), "Least time between two changes.")
        public let shell = Key.boolean("shell", .defaultValue("false"), "Run through `sh -c` (then `run` is one string).")
    }

    public static let scaleInfo = ObjectInfo(
        name: "scale", title: "scale action",
        doc: "The document's auto-scaler: CPU above `cpuAbove` or memory above `memoryAbove` → one more, up to `max`; both under half of theirs → one fewer, down to `min`; at most one change per `cooldown`.")
    public static var scaleSpec: ObjectSpec { scaleInfo.spec(ScaleKeys.self) }

    public struct BackgroundKeys: KeySet {
        public init() {}
        public let rate = Key.rate("rate", .defaultValue("5/s"), "Searches per second.")
        public let concurrency = Key.integer("concurrency", min: 1, max: 4096, .runtimeDefault("rate × timeout × 1.25 + 4"),
                                             "Most searches in flight. The default leaves room for every search to hang until its timeout during an outage, so none is held back and sent after the server is back.")
        public let duration = Key.duration("duration", allowZero: false, .runtimeDefault("the whole watch"),
                                           "Send at `rate` for this long from the watch's start, e.g. so that the scaler scales in once the load is gone.")
        public let rest = Key.rate("rest", .optional,
                                   "After `duration`, keep sending at this lower rate until the watch ends, so what the searches see while nodes leave (scale-in) is measured too. Without it the load stops after `duration`.")
        public let verify = Key.boolean("verify", .defaultValue("true"),
                                        "At every check, compare the hits of a random sample of the searches that succeeded since the last check (5) with the rows the tool knows the collection holds, as recall's sample is checked: a hit on a deleted or never-written row or with a replaced vector (`resurrected`), a score other than the metric on the row's vector and the query, an output field other than the row's — each a wrong hit (metrics `background.wrongHits`, `wrongHits.before`/`during`/`after`; examples by key in the report). A row written or deleted less than the consistency level's staleness bound before the search was sent is accepted either way. Needs a collection this run created with an int64 key, float vectors and a metric the tool computes, of at most 500,000 rows (the rows hit are made again at every check; on larger ones a note says the answers were not checked, and a search step's recall checks them).")
        public let recall = ObjectKey<RecallSetting.Keys>("recall", RecallSetting.info, .optional,
                                                          "Score recall@topK at every check: `queries` of the background's query vectors searched once more (beside the load, never delaying a check) and scored against the exact neighbours among the rows acknowledged by then (less those the consistency level may not show yet), e.g. `recall: {queries: 10}`. Metrics `recall.before`, `recall.during`, `recall.after` (the mean of the checks' recalls around the first fault) and `recall.lowest`; run.json keeps every check's in `recall`. `every` does not apply: the watch's `interval` sets the pace.")
        public let search = SearchSettings.Keys()
    }

    public static let backgroundInfo = ObjectInfo(
        name: "background_load", title: "background load",
        doc: "A steady search load during the watch, to measure the success rate before, during and after faults. Searches are due on a fixed schedule (open loop, as `concurrentSearch` with `rate`), each sent once; one succeeds only when it is answered within `timeout` of its due time, and its latency is measured from that time. A search that cannot start before its time runs out (every slot busy) fails as `notSent`.")
    public static var backgroundSpec: ObjectSpec { backgroundInfo.spec(BackgroundKeys.self) }

    public struct WritesKeys: KeySet {
        public init() {}
        public let rate = Key.rate("rate", .defaultValue("5/s"), "Inserts per second.")
        public let batch = Key.integer("batch", min: 1, max: 100_000, .defaultValue("10"), "Rows per insert.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("5s"), "An insert that is not acknowledged this long after its due time fails.")
        public let concurrency = Key.integer("concurrency", min: 1, max: 4096, .runtimeDefault("rate × timeout × 1.25 + 4"), "Most inserts in flight.")
    }

    public static let writesInfo = ObjectInfo(
        name: "background_writes", title: "background writes",
        doc: "A steady insert load during the watch, scheduled and judged like the background searches (open loop, each insert sent once, a success only when acknowledged within `timeout` of its due time). Rows are made by the collection's default generators (an int64 primary key without autoId gets keys far above any an `insert` step makes). After the watch the rows are counted until they reach the rows before plus every acknowledged row: `rowsLost` counts acknowledged rows that are gone, `rowsUnacknowledged` rows that went in although their insert failed (timed out after the server had applied it).")

    public struct Keys: KeySet {
        public init() {}

        public let duration = Key.duration("duration", allowZero: false, .required, "How long to watch.")
        public let interval = Key.duration("interval", allowZero: false, .defaultValue("30s"), "Time between checks (the document's `check_interval`).")
        public let endpoints = Key.oneOrMore("endpoints", of: .url, .runtimeDefault("the target's `metrics`"), "Metrics base URLs to check.")
        public let discover = Key.argv("discover", .optional, "A command that prints the metrics base URLs of the running processes, one per line, run before every check: query nodes that join or leave (scaling) are followed — sampled, health-checked and shown — instead of a fixed `endpoints` list. E.g. `[scripts/milvus-local, endpoints, cluster]`; on Kubernetes, a `kubectl get endpoints …` wrapper. When it fails, the last list stays.")
        public let serving = Key.boolean("serving", .defaultValue("true"), "Include the serving check (a real search on the collection).")
        public let rules = ObjectListKey<RuleKeys>("rules", ruleInfo, minCount: 0, .defaultValue("[]"), "Alert rules.")
        public let faults = ObjectListKey<FaultKeys>("faults", faultInfo, minCount: 0, .defaultValue("[]"), "Commands run at set times.")
        public let scale = ObjectKey<ScaleKeys>("scale", scaleInfo, .optional, "Automatic scaling.")
        public let background = ObjectKey<BackgroundKeys>("background", backgroundInfo, .optional, "Background search load.")
        public let writes = ObjectKey<WritesKeys>("writes", writesInfo, .optional, "Background insert load (needs the step's collection).")
        public let audit = Key.boolean("audit", .defaultValue("true"), "After the watch (and the `recount`), read every row of the collection back by key (strongly consistent, in key windows) and compare it with the rows the tool knows it holds — its shadow of every acknowledged insert, upsert and delete, the watch's `writes` included: acknowledged rows lost, deleted or never-written rows back, upserts lost (old values), other wrong values, and how each write with an unknown outcome resolved (stored or not), each with examples (metrics `audit.*`). Every declared field but the key is compared (not the dynamic field, nor a field with a server-side default). Only for a collection this run created with an int64 primary key; the rows are streamed, so it costs a read of the collection (about a second per 100,000 rows of 128-d vectors here).")
        public let settle = Key.duration("settle", allowZero: true, .defaultValue("0s"), "After the deployment serves again, how long before `successRate.after` starts counting; the background searches in between count as `during`. A restarted Milvus can answer a first search and then refuse searches for a few seconds more (seen on 2.3.5 standalone: \"collection not loaded\" for 2 s after a successful check).")
        public let recount = Key.duration("recount", allowZero: true, .defaultValue("90s"), "When the rows counted after the watch are fewer than at its start: how long to keep counting (strongly consistent, every 3 s) until the count is back, or the same at least 4 times in a row over at least 30 s (half of `recount` when that is shorter) while the collection statistics do not say every row is stored. Only such a stable count says rows were lost; otherwise `rowsUnverified` is 1. `0s` counts once.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let checks = Metric<CountValue>("checks", .neither, "Checks run.")
        public let unhealthyChecks = Metric<CountValue>("unhealthyChecks", .lower, "Checks in which the deployment was not serving.")
        public let alertsFired = Metric<CountValue>("alertsFired", .lower, "Alerts that fired (each once, however long it lasted).")
        public let alertsResolved = Metric<CountValue>("alertsResolved", .neither, "Alerts that resolved before the watch ended.")
        public let notificationsSent = Metric<CountValue>("notificationsSent", .neither, "Notifications delivered.")
        public let notificationsFailed = Metric<CountValue>("notificationsFailed", .lower, "Notifications that could not be delivered.")
        public let actionsRun = Metric<CountValue>("actionsRun", .neither, "Recovery, scaling and fault commands run.")
        public let actionsFailed = Metric<CountValue>("actionsFailed", .lower, "Commands that exited non-zero or could not start.")
        public let timeToDetect = Metric<DurationValue>("timeToDetect", .lower, "From the first fault until a check saw the deployment not serving.")
        public let timeToLive = Metric<DurationValue>("timeToLive", .lower, "From the first fault until every `/healthz` was OK again.")
        public let timeToServing = Metric<DurationValue>("timeToServing", .lower, "From the first fault until a real search succeeded again.")
        public let successRateBefore = Metric<PercentValue>("successRate.before", .higher, "Background searches that succeeded before the first fault.")
        public let successRateDuring = Metric<PercentValue>("successRate.during", .higher, "Background searches that succeeded between the fault and serving again (plus `settle`).")
        public let successRateAfter = Metric<PercentValue>("successRate.after", .higher, "Background searches that succeeded after serving again (plus `settle`).")
        public let rowsBefore = Metric<CountValue>("rowsBefore", .neither, "Rows in the collection when the watch started.")
        public let rowsAfter = Metric<CountValue>("rowsAfter", .neither, "Rows in the collection after the watch, from a verified count (see `recount`).")
        public let rowsLost = Metric<CountValue>("rowsLost", .lower, "rowsBefore (plus, with `writes`, every acknowledged row) − rowsAfter, when positive; only from a verified count. A threshold on it fails, saying why, when the count could not be verified.")
        public let rowsWritten = Metric<CountValue>("rowsWritten", .neither, "(`writes`) Rows the background inserts had acknowledged.")
        public let rowsWrittenDuring = Metric<CountValue>("rowsWritten.during", .higher, "(`writes`) Rows acknowledged by inserts sent between the first fault and recovery (plus `settle`).")
        public let rowsUnacknowledged = Metric<CountValue>("rowsUnacknowledged", .neither, "(`writes`) rowsAfter − rowsBefore − rowsWritten, when positive: rows stored although their insert failed (the server applied it after the client gave up).")
        public let writeSuccessBefore = Metric<PercentValue>("writeSuccess.before", .higher, "(`writes`) Background inserts acknowledged before the first fault.")
        public let writeSuccessDuring = Metric<PercentValue>("writeSuccess.during", .higher, "(`writes`) Background inserts acknowledged between the fault and serving again (plus `settle`).")
        public let writeSuccessAfter = Metric<PercentValue>("writeSuccess.after", .higher, "(`writes`) Background inserts acknowledged after serving again (plus `settle`).")
        public let audit = RowAuditMetrics()
        public let hitsChecked = Metric<CountValue>("background.hitsChecked", .neither, "(`background.verify`) Hits of the sampled background searches checked against the rows the collection holds.")
        public let wrongHits = Metric<CountValue>("background.wrongHits", .lower, "(`background.verify`) Checked hits that were wrong: a row the collection does not hold or a replaced vector, a wrong score or a wrong output value.")
        public let wrongHitsBefore = Metric<CountValue>("wrongHits.before", .lower, "(`background.verify`) Wrong hits of searches sent before the first fault.")
        public let wrongHitsDuring = Metric<CountValue>("wrongHits.during", .lower, "(`background.verify`) Wrong hits of searches sent between the fault and recovery (plus `settle`).")
        public let wrongHitsAfter = Metric<CountValue>("wrongHits.after", .lower, "(`background.verify`) Wrong hits of searches sent after recovery (plus `settle`).")
        public let recallBefore = Metric<FractionValue>("recall.before", .higher, "(`background.recall`) Mean recall of the checks before the first fault (of the whole watch without faults).")
        public let recallDuring = Metric<FractionValue>("recall.during", .higher, "(`background.recall`) Mean recall of the checks between the fault and recovery (plus `settle`) whose sample search succeeded.")
        public let recallAfter = Metric<FractionValue>("recall.after", .higher, "(`background.recall`) Mean recall of the checks after recovery (plus `settle`).")
        public let recallLowest = Metric<FractionValue>("recall.lowest", .higher, "(`background.recall`) The lowest of the checks' mean recalls.")
        public let rowsUnverified = Metric<FlagValue>("rowsUnverified", .lower, "1 when the rows after the watch could not be verified (the count failed, or kept changing until `recount` ran out), else 0.")
        public let scaleOuts = Metric<CountValue>("scaleOuts", .neither, "(`scale`) Decisions to add a query node.")
        public let scaleIns = Metric<CountValue>("scaleIns", .neither, "(`scale`) Decisions to remove a query node.")
        public let newNodeLive = Metric<DurationValue>("newNode.live", .lower, "(`scale`) From the first scale-out decision until the deployment reported the new number of query nodes.")
        public let newNodeSegments = Metric<DurationValue>("newNode.segments", .lower, "(`scale`) From the first scale-out decision until a new query node held a segment (Milvus's balancer moved one to it).")
        public let newNodeServing = Metric<DurationValue>("newNode.serving", .lower, "(`scale`) From the first scale-out decision until a new query node had run searches (its own `milvus_querynode_sq_req_count`).")
        public let runnerRSSGrowth = Metric<MebibytesValue>("runner.rssGrowth", .lower, "Growth of the runner's own resident memory during the watch: the median of the last quarter of checks minus the median of the second quarter (the first quarter is warm-up). Needs 8 checks and Linux /proc.")
        public let runnerCPUPercent = Metric<PercentValue>("runner.cpuPercent", .lower, "The runner's own CPU over the whole watch, in percent of one core.")
        public let runnerOpenFilesLeaked = Metric<CountValue>("runner.openFilesLeaked", .lower, "Open file descriptors of the runner after the watch (everything it started finished) minus at its first check (which opens, once, what every check reuses); above 0 is a leak.")
        public let runnerConnectionsLeaked = Metric<CountValue>("runner.connectionsLeaked", .lower, "Established TCP connections of the runner after the watch minus at its first check (which has the background load's connection open); above 0 is a leak.")
        public let totalTime = Metric<DurationValue>.totalTime("the watch")
    }

    public var duration: ScenarioDuration
    public var interval: ScenarioDuration
    public var endpoints: [String]?
    /// Prints the metrics endpoints before every check (nodes that come and go).
    public var discover: Command?
    public var serving: Bool
    public var rules: [Rule]
    public var faults: [Fault]
    public var scale: Scaling?
    public var background: Background?
    public var writes: Writes?
    public var serverNeeds: [ServerNeed] { background?.search.serverNeeds ?? [] }
    public var recount: ScenarioDuration
    /// Read every row back after the watch and compare it with the shadow.
    public var audit: Bool
    public var settle: ScenarioDuration

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        let d = context.decoder
        duration = r[\.duration] ?? .seconds(60)
        interval = r[\.interval] ?? .seconds(30)
        endpoints = r[\.endpoints]
        discover = r[\.discover].map { Command(argv: $0, mark: r.mark(\.discover)) }
        serving = r[\.serving] ?? true
        rules = r.objects(\.rules) { Self.rule($0) } ?? []
        faults = r.objects(\.faults, Fault.init) ?? []
        // `${replicas}` in the scale command is filled in at run time.
        scale = d.withBindings(["replicas": .deferred]) { r.object(\.scale) { Self.scaling($0) } } ?? nil
        background = r.object(\.background) { b in
            let settings = Background(rate: b[\.rate] ?? Rate(perSecond: 5), search: SearchSettings(b.group(\.search)), maxInFlight: b[\.concurrency],
                                      duration: b[\.duration], rest: b[\.rest], verify: b[\.verify] ?? true,
                                      recall: b.object(\.recall) { RecallSetting($0) })
            if let every = b.written(\.recall)?["every"] {
                d.error(every.mark, .watchRecallEvery, "a watch scores recall at each check ('interval'); leave out 'every'")
            }
            if let cap = settings.maxInFlight {
                let timeout = settings.search.timeout ?? Background.defaultTimeout
                let outstanding = settings.rate.perSecond * timeout.milliseconds / 1000
                if Double(cap) < outstanding {
                    d.warning(b.mark(\.concurrency), .watchBackgroundCap,
                              "'concurrency' \(cap) is below rate × timeout (\(Int(outstanding.rounded(.up)))): while the server hangs, searches will wait for a slot and fail as notSent instead of being sent on time")
                }
            }
            return settings
        }
        writes = r.object(\.writes) { w in
            Writes(rate: w[\.rate] ?? Rate(perSecond: 5), batch: w[\.batch] ?? 10, timeout: w[\.timeout] ?? .seconds(5),
                   maxInFlight: w[\.concurrency])
        }
        recount = r[\.recount] ?? .seconds(90)
        audit = r[\.audit] ?? true
        settle = r[\.settle] ?? .seconds(0)

        if interval > duration {
            d.error(r.mark(\.interval), .watchInterval, "'interval' (\(interval)) is longer than 'duration' (\(duration)); the watch would never check")
        }
        for f in faults where f.at >= duration {
            d.error(f.mark, .watchFaultTime, "fault at \(f.at) is not within the watch's duration (\(duration)); it would never run")
        }
        var names: [String: Mark] = [:]
        for rule in rules {
            if let first = names[rule.name] { d.error(rule.mark, .ruleDuplicate, "alert rule '\(rule.name)' is declared twice (first at \(first.line):\(first.column))") }
            names[rule.name] = rule.mark
            for c in rule.when.anyOf.joined() where c.subject.hasPrefix("search.") && background == nil {
                d.error(rule.mark, .ruleNeedsBackground, "'\(c.subject)' in rule '\(rule.name)' measures the background search load; add 'background: {rate: 5/s}' to the watch")
            }
        }
    }

    static func rule(_ r: KeyReader<RuleKeys>) -> Rule? {
        let d = r.decoder
        let name = r[\.name] ?? ""
        let whenText = r[\.when]
        let holdFor = r[\.`for`] ?? .seconds(0)
        let severity: Severity = r[\.severity] ?? .warning
        let repeatInterval = r[\.`repeat`] ?? .seconds(300)
        let summary = r[\.summary]
        let notify = r[\.notify]
        let recover = r.has(\.recover) ? Command.read(r, \.recover, shell: \.shell) : { _ = r[\.shell]; _ = r.written(\.recover); return nil }()
        guard let whenText, let whenNode = r.written(\.when) else { return nil }
        switch Condition.parse(whenText) {
        case .failure(let f):
            d.error(d.markInside(whenNode, offset: f.offset), .ruleCondition, "in 'when': \(f.message)")
            return nil
        case .success(let condition):
            var ok = true
            for c in condition.anyOf.joined() {
                guard let signal = signals.first(where: { $0.name == c.subject }) else {
                    let hint = Suggestion.hint(for: c.subject, in: signals.map(\.name))
                    d.error(d.markInside(whenNode, offset: c.subjectOffset), .ruleSignalUnknown, "in 'when': unknown signal '\(c.subject)'\(hint) (signals: \(signals.map(\.name).joined(separator: ", ")))")
                    ok = false
                    continue
                }
                if case .failure(let f) = c.value(in: signal.unit) {
                    d.error(d.markInside(whenNode, offset: f.offset), .ruleCondition, "in 'when': \(f.message)")
                    ok = false
                }
            }
            guard ok else { return nil }
            return Rule(name: name, when: condition, whenText: whenText, holdFor: holdFor, severity: severity,
                        repeatInterval: repeatInterval, summary: summary, notify: notify,
                        notifyMark: r.mark(\.notify), recover: recover, mark: r.node.mark)
        }
    }

    static func scaling(_ r: KeyReader<ScaleKeys>) -> Scaling? {
        let d = r.decoder
        let command = Command.read(r, \.run, shell: \.shell)
        let minimum = r[\.min] ?? 1
        let maximum = r[\.max] ?? 1
        let initial = r[\.initial] ?? minimum
        let cpu = r[\.cpuAbove] ?? 70
        let memory = r[\.memoryAbove] ?? 80
        let cooldown = r[\.cooldown] ?? .seconds(300)
        if minimum > maximum { d.error(r.mark(\.min), .scaleRange, "'min' (\(minimum)) is larger than 'max' (\(maximum))") }
        if r.has(\.initial), !(minimum...max(minimum, maximum)).contains(initial) {
            d.error(r.mark(\.initial), .scaleRange, "'initial' (\(initial)) must be between min (\(minimum)) and max (\(maximum))")
        }
        if let command, !command.argv.contains(where: { $0.contains("${replicas}") }) {
            d.warning(command.mark, .scaleCommandUnused, "the scale command never uses ${replicas}, so it cannot know the desired count")
        }
        guard let command else { return nil }
        return Scaling(command: command, min: minimum, max: maximum, initial: initial, cpuAbove: cpu,
                       memoryAbove: memory, cooldown: cooldown)
    }
}

extension DiagnosticCode {
    public static let ruleCondition = DiagnosticCode("rule-condition")
    public static let ruleDuplicate = DiagnosticCode("rule-duplicate")
    public static let ruleNeedsBackground = DiagnosticCode("rule-needs-background")
    public static let ruleSignalUnknown = DiagnosticCode("rule-signal-unknown")
    public static let scaleCommandUnused = DiagnosticCode("scale-command-unused")
    public static let scaleRange = DiagnosticCode("scale-range")
    public static let watchBackgroundCap = DiagnosticCode("watch-background-cap")
    public static let watchRecallEvery = DiagnosticCode("watch-recall-every")
    public static let watchFaultTime = DiagnosticCode("watch-fault-time")
    public static let watchInterval = DiagnosticCode("watch-interval")
    public static let notifierUnknown = DiagnosticCode("notifier-unknown")
    public static let notifiersMissing = DiagnosticCode("notifiers-missing")
}

extension WatchStep {
    /// The notifiers the rules name exist; rules with no `notify` and no notifiers only record.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        let notifiers = checks.scenario.notifiers
        let names = Set(notifiers.map(\.name))
        for rule in rules {
            for name in rule.notify ?? [] where !names.contains(name) {
                let hint = Suggestion.hint(for: name, in: names)
                let declared = names.isEmpty ? "; no notifiers are declared (add 'notifiers:')" : "; declared: \(names.sorted().joined(separator: ", "))"
                checks.decoder.error(rule.notifyMark, .notifierUnknown, "rule '\(rule.name)' notifies '\(name)', but no notifier has that name\(hint.isEmpty ? declared : hint)")
            }
        }
        // `notify: []` on every rule says "record only" on purpose.
        if rules.contains(where: { $0.notify == nil }), notifiers.isEmpty {
            checks.decoder.warning(step.mark, .notifiersMissing, "this watch has alert rules but the scenario declares no notifiers; alerts will only be recorded in the report")
        }
    }
}

extension WatchStep {
    public var collectionNeed: String? {
        guard serving || background != nil || writes != nil else { return nil }
        return "'watch' searches a collection (serving check, background load\(writes != nil ? ", writes" : "")), but none is set: add 'collection: NAME'\(writes == nil ? ", or 'serving: false'" : "")"
    }
}

extension WatchStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.ruleCondition, .ruleDuplicate, .ruleNeedsBackground, .ruleSignalUnknown, .scaleCommandUnused, .scaleRange, .watchBackgroundCap, .watchRecallEvery, .watchFaultTime, .watchInterval, .notifierUnknown, .notifiersMissing]

    public static let examples: [StepExample] = [
        .valid("Two minutes of checks every 5 s with searches in the background and an alert", """
            - watch:
                duration: 2m
                interval: 5s
                background: {rate: 20/s}
                rules:
                  - {name: down, when: serving == 0, for: 10s, severity: critical, notify: []}
                  - {name: slow, when: search.p99 > 500ms, notify: []}
            """),
        .valid("A fault and its undo at set times, inserts through it", """
            - watch:
                duration: 50s
                interval: 2s
                background: {rate: 20/s}
                writes: {rate: 5/s, batch: 20}
                faults:
                  - {at: 10s, run: [scripts/milvus-local, cluster, kill, querynode, "2"], name: kill}
                  - {at: 30s, run: [scripts/milvus-local, cluster, start, querynode, "2"], name: restart}
            """),
        .valid("Alerts with nowhere to go are only recorded (warned)", """
            - watch:
                duration: 1m
                rules: [{name: down, when: serving == 0}]
            """, warnings: [.notifiersMissing]),
        .valid("A scale command that never says how many (warned)", """
            - watch:
                duration: 1m
                scale: {run: [kubectl, scale, deployment/querynode], max: 3}
            """, warnings: [.scaleCommandUnused]),
        .valid("A background load that cannot keep its rate while the server hangs (warned)", """
            - watch:
                duration: 1m
                background: {rate: 100/s, concurrency: 10}
            """, warnings: [.watchBackgroundCap]),
        .invalid("A percent written as a plain number", """
            - watch:
                duration: 1m
                rules: [{name: memory, when: node.memoryPercent > 80, notify: []}]
            """, .ruleCondition),
        .invalid("Two rules with one name", """
            - watch:
                duration: 1m
                rules:
                  - {name: down, when: serving == 0, notify: []}
                  - {name: down, when: live == 0, notify: []}
            """, .ruleDuplicate),
        .invalid("A search signal without searches to measure it", """
            - watch:
                duration: 1m
                rules: [{name: slow, when: search.p99 > 500ms, notify: []}]
            """, .ruleNeedsBackground),
        .invalid("Recall on its own schedule inside a watch", """
            - watch:
                duration: 1m
                background: {rate: 5/s, recall: {queries: 10, every: 5s}}
            """, .watchRecallEvery),
        .invalid("A signal that does not exist", """
            - watch:
                duration: 1m
                rules: [{name: memory, when: node.memPercent > 80%, notify: []}]
            """, .ruleSignalUnknown),
        .invalid("More replicas at least than at most", """
            - watch:
                duration: 1m
                scale: {run: [echo, "${replicas}"], min: 5, max: 3}
            """, .scaleRange),
        .invalid("A fault after the watch has ended", """
            - watch:
                duration: 1m
                faults: [{at: 90s, run: [echo, boom]}]
            """, .watchFaultTime),
        .invalid("Checks further apart than the watch is long", """
            - watch: {duration: 10s, interval: 30s}
            """, .watchInterval),
        .invalid("A rule notifying a notifier that is not declared", """
            - watch:
                duration: 1m
                rules: [{name: down, when: serving == 0, notify: [chat]}]
            """, .notifierUnknown),
    ]
}

/// What a watch's `audit` records: the collection's rows read back by key after the watch.
public struct RowAuditMetrics: MetricGroup {
    public init() {}
    public let rows = Metric<CountValue>("audit.rows", .neither, "(`audit`) Rows read back from the server after the watch.")
    public let lost = Metric<CountValue>("audit.lost", .lower, "(`audit`) Rows an acknowledged write left that the server no longer has.")
    public let back = Metric<CountValue>("audit.back", .lower, "(`audit`) Rows the server has under keys no acknowledged write left there: deleted rows back, or rows never written.")
    public let upsertsLost = Metric<CountValue>("audit.upsertsLost", .lower, "(`audit`) Rows whose last acknowledged write was an upsert, holding other values (the old row's).")
    public let wrongValues = Metric<CountValue>("audit.wrongValues", .lower, "(`audit`) Other rows whose values are not those their last acknowledged write sent.")
    public let wrong = Metric<CountValue>("audit.wrong", .lower, "(`audit`) lost + back + upsertsLost + wrongValues: a threshold `audit.wrong == 0` forbids every kind.")
    public let indeterminateStored = Metric<CountValue>("audit.indeterminateStored", .neither, "(`audit`) Rows of writes with an unknown outcome (timed out, connection lost) that the server stored.")
    public let indeterminateNotStored = Metric<CountValue>("audit.indeterminateNotStored", .neither, "(`audit`) Rows of writes with an unknown outcome that the server did not store (or, for an upsert, still holds the old row).")
}
