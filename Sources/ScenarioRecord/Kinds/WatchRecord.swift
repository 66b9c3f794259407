import Foundation
import ScenarioSpec

/// A `watch` step: its checks, alerts, actions, loads and recovery.
public struct WatchStepDetails: StepDetails {
    public var watch: WatchDetails?

    public init() {}
}

extension WatchStep: RecordedStep {
    public typealias Details = WatchStepDetails
    public static var noteCodes: [StepNote.Code] { [.rowsBeforeUncounted, .rowsAfterUnverified, .dryRunActions, .noBackgroundLoad, .noWriteLoad, .scaledNodeIdle, .auditNotDone, .auditWrongRows, .backgroundUnchecked, .wrongAnswers] }
}

/// What a `watch` step saw: every check (the health timeline), the alerts and the notifications
/// sent for them, every command run (faults, recoveries, scaling), the background load's
/// outcomes per second, and the recovery timings measured from the first fault.
/// Times are milliseconds since the watch started.
public struct WatchDetails: Codable, Sendable {
    public var intervalMs: Double
    public var durationMs: Double
    public var checks: [HealthSample]
    public var alerts: [AlertRecord]
    public var notifications: [NotificationRecord]
    public var actions: [ActionRecord]
    public var background: BackgroundLoadRecord?
    public var recovery: RecoveryRecord?
    /// Rows in the collection when the watch started, and after it from a verified count
    /// (nil when the count could not be verified: `rowCount` says why).
    public var rowsBefore: Int?
    public var rowsAfter: Int?
    /// How the rows after the watch were counted: every try, and what they add up to.
    public var rowCount: RowCountRecord?
    /// Every row read back by key after the watch and compared with the rows the tool knows the
    /// collection holds (nil when not audited: a note says why).
    public var audit: RowAuditRecord?
    /// The background searches' answers checked at the checks (nil without background searches,
    /// or when they could not be checked: a note says why).
    public var answers: BackgroundAnswersRecord?
    /// Recall scored at the checks (`background.recall`): one point per check whose sample
    /// search succeeded, `atMs` when it was sent.
    public var recall: [RecallCheckpoint]?
    /// Every scaling decision and what followed it (nil when the watch does not scale).
    public var scaling: [ScalingRecord]?
    /// The insert load of `writes` (nil without one): per second, by error, latency, and in
    /// `rows` the rows the server acknowledged.
    public var writes: BackgroundLoadRecord?
    /// This process (the runner) when the watch started, before its background load, and after
    /// everything the watch started had finished: open files and TCP connections that were not
    /// closed show up as a difference (nil where /proc is not available, and in older records).
    public var runnerStart: RunnerSample?
    public var runnerEnd: RunnerSample?

    public init(intervalMs: Double, durationMs: Double) {
        self.intervalMs = intervalMs
        self.durationMs = durationMs
        checks = []
        alerts = []
        notifications = []
        actions = []
    }
}

/// One check of a watch (one row of the health timeline).
public struct HealthSample: Codable, Sendable {
    public var atMs: Double
    /// A real search succeeded (nil when the check has no collection to search).
    public var serving: Bool?
    /// Every `/healthz` answered OK.
    public var live: Bool
    /// CheckHealth answered healthy (nil when it did not answer at all).
    public var checkHealth: Bool?
    public var unhealthyComponents: Int
    /// Connect and list collections on a fresh connection (nil when that failed).
    public var latencyMs: Double?
    public var searchLatencyMs: Double?
    /// Why the deployment was not serving or not reachable, shortened.
    public var problem: String?
    /// Highest query-node process memory (MiB), memory percent of the host, and CPU percent.
    public var nodeMemoryMB: Double?
    public var nodeMemoryPercent: Double?
    public var nodeCPUPercent: Double?
    /// `/healthz` endpoints that did not answer OK.
    public var downEndpoints: [String]?
    /// Query nodes whose own metrics endpoint answered at this check (nil: none of the endpoints
    /// speaks for a query node).
    public var queryNodes: Int?
    /// Query nodes the cluster reported at this check (GetMetrics); after a node leaves, Milvus
    /// 2.3.5 goes on reporting it for a minute or more.
    public var reportedQueryNodes: Int?
    /// The query nodes' average CPU percent: what the auto-scaler compares with `cpuAbove`.
    public var nodeCPUAveragePercent: Double?
    /// P99 (ms) of the background searches that finished since the previous check.
    public var backgroundP99Ms: Double?
    /// Hits of the background searches sampled since the previous check, checked against the
    /// rows the collection holds, and how many were wrong.
    public var hitsChecked: Int?
    public var wrongHits: Int?
    /// The runner's own resident memory, CPU since the previous check, open files and TCP
    /// connections at this check (a soak shows whether they stay flat).
    public var runner: RunnerSample?

    /// Something was wrong at this check: not serving, not live, unreachable or CheckHealth
    /// unhealthy. (The recovery timings and the timeline chart both read it from here.)
    public var isTroubled: Bool { serving == false || !live || checkHealth == false || latencyMs == nil }

    public init(atMs: Double, serving: Bool? = nil, live: Bool, checkHealth: Bool? = nil, unhealthyComponents: Int, latencyMs: Double? = nil, searchLatencyMs: Double? = nil, problem: String? = nil, nodeMemoryMB: Double? = nil, nodeMemoryPercent: Double? = nil, nodeCPUPercent: Double? = nil, downEndpoints: [String]? = nil) {
        self.atMs = atMs
        self.serving = serving
        self.live = live
        self.checkHealth = checkHealth
        self.unhealthyComponents = unhealthyComponents
        self.latencyMs = latencyMs
        self.searchLatencyMs = searchLatencyMs
        self.problem = problem
        self.nodeMemoryMB = nodeMemoryMB
        self.nodeMemoryPercent = nodeMemoryPercent
        self.nodeCPUPercent = nodeCPUPercent
        self.downEndpoints = downEndpoints
    }
}

/// The runner process at one moment (Linux /proc and getrusage).
public struct RunnerSample: Codable, Sendable, Equatable {
    /// Resident memory now (not the peak), MiB.
    public var rssMB: Double
    /// CPU used since the previous sample, in percent of one core (nil for the first sample).
    public var cpuPercent: Double?
    /// User + system CPU since the process started, milliseconds.
    public var cpuMs: Double
    /// Open file descriptors (sockets, files, pipes, event fds).
    public var openFiles: Int
    /// TCP connections of this process in state ESTABLISHED.
    public var connections: Int
    public var threads: Int

    /// As optional numbers, for tables and charts.
    public var rssValue: Double? { rssMB }
    public var openFilesValue: Double? { Double(openFiles) }
    public var connectionsValue: Double? { Double(connections) }
    public var threadsValue: Double? { Double(threads) }

    public init(rssMB: Double, cpuPercent: Double? = nil, cpuMs: Double, openFiles: Int, connections: Int, threads: Int) {
        self.rssMB = rssMB
        self.cpuPercent = cpuPercent
        self.cpuMs = cpuMs
        self.openFiles = openFiles
        self.connections = connections
        self.threads = threads
    }
}

/// One alert: when its rule fired and when it resolved.
public struct AlertRecord: Codable, Sendable {
    public var rule: String
    public var severity: String
    public var condition: String
    public var firedAtMs: Double
    public var resolvedAtMs: Double?
    /// The signals that made it fire.
    public var values: [String: Double]

    public init(rule: String, severity: String, condition: String, firedAtMs: Double, resolvedAtMs: Double? = nil, values: [String: Double]) {
        self.rule = rule
        self.severity = severity
        self.condition = condition
        self.firedAtMs = firedAtMs
        self.resolvedAtMs = resolvedAtMs
        self.values = values
    }
}

/// One delivery attempt to one notifier.
public struct NotificationRecord: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case firing, `repeat`, resolved }

    public var rule: String
    public var notifier: String
    /// `webhook`, `alertmanager` or `smtp`.
    public var channel: String
    public var kind: Kind
    public var atMs: Double
    public var delivered: Bool
    public var error: String?
    public var durationMs: Double

    public init(rule: String, notifier: String, channel: String, kind: Kind, atMs: Double, delivered: Bool, error: String? = nil, durationMs: Double) {
        self.rule = rule
        self.notifier = notifier
        self.channel = channel
        self.kind = kind
        self.atMs = atMs
        self.delivered = delivered
        self.error = error
        self.durationMs = durationMs
    }
}

/// One command the watch ran (or, with `--dry-run-actions`, would have run).
public struct ActionRecord: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case fault, recover, scale }

    public var kind: Kind
    /// The fault's name, the rule that recovered, or `scale 2 → 3`.
    public var name: String
    /// The command as run, e.g. `scripts/milvus-local standalone restart`.
    public var command: String
    public var startedAtMs: Double
    public var durationMs: Double?
    /// nil when it did not finish, could not start, or was not run (dry run).
    public var exitCode: Int32?
    /// The last lines of its standard output and error.
    public var outputTail: String?
    public var error: String?
    public var dryRun: Bool

    public var succeeded: Bool { !dryRun && exitCode == 0 }

    public init(kind: Kind, name: String, command: String, startedAtMs: Double, durationMs: Double? = nil, exitCode: Int32? = nil, outputTail: String? = nil, error: String? = nil, dryRun: Bool) {
        self.kind = kind
        self.name = name
        self.command = command
        self.startedAtMs = startedAtMs
        self.durationMs = durationMs
        self.exitCode = exitCode
        self.outputTail = outputTail
        self.error = error
        self.dryRun = dryRun
    }
}

/// The background search load during a watch.
public struct BackgroundLoadRecord: Codable, Sendable {
    /// One second of the load, by when its searches were sent.
    public struct Second: Codable, Sendable {
        public var second: Int
        public var succeeded: Int
        public var failed: Int

        public init(second: Int, succeeded: Int, failed: Int) {
            self.second = second
            self.succeeded = succeeded
            self.failed = failed
        }
    }

    public var rate: Double
    public var seconds: [Second]
    /// Failed searches by error.
    public var errorsByCode: [String: Int]
    public var latency: EncodedHistogram
    /// Searches that succeeded but returned no hits from a collection that has rows: a wrong
    /// answer the server calls success (seen on Milvus 2.3.5 while a restarted query node
    /// takes over a replica). nil in records made before it was counted.
    public var emptyResults: Int?
    /// Most searches in flight at once (nil in records made before the load had a cap).
    public var maxInFlight: Int?
    /// Searches that started more than 1 ms after their due time: the cap was full (or the
    /// client could not keep up). nil in records made before it was counted.
    public var late: Int?
    /// Searches whose time ran out before a slot was free: counted as failures (`notSent` in
    /// `errorsByCode`). nil in records made before it was counted.
    public var notSent: Int?
    /// An insert load (`writes`): the rows the server acknowledged. nil for searches.
    public var rows: Int?

    public init(rate: Double, seconds: [Second], errorsByCode: [String: Int], latency: EncodedHistogram, emptyResults: Int? = nil,
                maxInFlight: Int? = nil, late: Int? = nil, notSent: Int? = nil) {
        self.rate = rate
        self.seconds = seconds
        self.errorsByCode = errorsByCode
        self.latency = latency
        self.emptyResults = emptyResults
        self.maxInFlight = maxInFlight
        self.late = late
        self.notSent = notSent
    }
}

/// The rows of a collection counted after a fault, and whether the count can be trusted.
/// Right after a fault a strongly consistent `count(*)` can answer too low for a while (seen on
/// Milvus 2.3.5: 0 of 20,000 for ~14 s after a replacement query node took over a replica), so a
/// count below the rows before is repeated until it comes back or holds still.
public struct RowCountRecord: Codable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        /// The first count was at least the rows before (or there was nothing to compare with).
        case verified
        /// Counts below the rows before, then one at least as high: nothing was lost; the low
        /// counts were the server's, for `lowForMs`.
        case recovered
        /// The same count below the rows before, several times in a row, and the collection
        /// statistics do not say otherwise: rows were lost.
        case stable
        /// Unverified: the same low count several times in a row until `recount` ran out, while
        /// the collection statistics said every row was stored — stored, but not served.
        case contradicted
        /// Unverified: the counts kept changing until `recount` ran out.
        case unstable
        /// Unverified: no count succeeded.
        case unavailable
    }

    /// One count: `count(*)` (strong) and the collection statistics beside it.
    public struct Try: Codable, Sendable {
        /// Since the counting started.
        public var atMs: Double
        public var count: Int?
        /// `row_count` of GetCollectionStatistics (flushed rows as the data coordinator knows
        /// them); nil when it failed or had none.
        public var statistics: Int?
        /// Why the count failed, shortened.
        public var error: String?

        public init(atMs: Double, count: Int?, statistics: Int?, error: String?) {
            self.atMs = atMs
            self.count = count
            self.statistics = statistics
            self.error = error
        }
    }

    public var outcome: Outcome
    /// The rows before the fault, compared against.
    public var expected: Int?
    /// The count that can be trusted; nil when unverified.
    public var rows: Int?
    /// `count(*)`, or `statistics` on servers without it.
    public var source: String
    public var tries: [Try]
    /// With `recovered`: from the first count below `expected` to the first one back.
    public var lowForMs: Double?
    /// Equal counts in a row that make a count below `expected` stable.
    public var stableTries: Int

    public init(outcome: Outcome, expected: Int?, rows: Int?, source: String, tries: [Try], lowForMs: Double?, stableTries: Int) {
        self.outcome = outcome
        self.expected = expected
        self.rows = rows
        self.source = source
        self.tries = tries
        self.lowForMs = lowForMs
        self.stableTries = stableTries
    }

    /// The count can be trusted (verified, recovered or stable).
    public var isVerified: Bool { rows != nil }

    /// The lowest count seen below `expected`, for reports ("count(*) said 0 for 14 s").
    public var lowestLowCount: Int? {
        guard let expected else { return nil }
        return tries.compactMap(\.count).filter { $0 < expected }.min()
    }

    /// Why the count is unverified, with the counts seen; nil when verified.
    public var unverifiedReason: String? {
        switch outcome {
        case .verified, .recovered, .stable: return nil
        case .contradicted:
            let last = tries.last
            return "count(*) answered \(last?.count.map(String.init) ?? "?") until the recount ran out, while the collection statistics said \(last?.statistics.map(String.init) ?? "?") rows are stored (\(expected.map(String.init) ?? "?") before): stored, but not served"
        case .unstable:
            let seen = tries.map { $0.count.map(String.init) ?? "error" }.joined(separator: ", ")
            return "the row count kept changing (\(seen)) and was never back at \(expected.map(String.init) ?? "?") nor the same \(stableTries) times in a row"
        case .unavailable:
            return "no row count succeeded: \(tries.last?.error ?? "no try")"
        }
    }
}

/// Recovery timings, from the first fault.
public struct RecoveryRecord: Codable, Sendable {
    /// When the first fault command finished (the fault in place).
    public var faultAtMs: Double
    /// The first check after the fault that saw something wrong (not serving, not live or not healthy).
    public var detectedAtMs: Double?
    /// The first check after detection at which every `/healthz` was OK again.
    public var liveAtMs: Double?
    /// The first check after detection at which a real search succeeded again (nil when it never
    /// stopped serving or never came back; `servingLost` tells which).
    public var servingAtMs: Double?
    public var servingLost: Bool
    /// When the deployment counted as recovered (serving and live again): the end of "during".
    public var recoveredAtMs: Double?
    /// Background searches that succeeded, in percent, before the fault, between the fault and
    /// recovery, and after recovery.
    public var successBefore: Double?
    public var successDuring: Double?
    public var successAfter: Double?
    /// The watch's `settle`: "after" starts this long after recovery; the searches in between
    /// count as "during". nil in records made before it existed (and when it is 0).
    public var settleMs: Double?
    /// With `writes`: inserts that succeeded before the first fault, during it and after, split
    /// as the searches are, and the rows acknowledged by inserts sent during the fault.
    public var writeSuccessBefore: Double?
    public var writeSuccessDuring: Double?
    public var writeSuccessAfter: Double?
    public var rowsWrittenDuring: Int?
    /// Wrong hits among the background searches checked, by when they were sent (split as the
    /// success rates are).
    public var wrongHitsBefore: Int?
    public var wrongHitsDuring: Int?
    public var wrongHitsAfter: Int?
    /// Mean recall of the checks before the fault, during it and after (`background.recall`).
    public var recallBefore: Double?
    public var recallDuring: Double?
    public var recallAfter: Double?

    public init(faultAtMs: Double, detectedAtMs: Double? = nil, liveAtMs: Double? = nil, servingAtMs: Double? = nil, servingLost: Bool, recoveredAtMs: Double? = nil, successBefore: Double? = nil, successDuring: Double? = nil, successAfter: Double? = nil, settleMs: Double? = nil) {
        self.faultAtMs = faultAtMs
        self.detectedAtMs = detectedAtMs
        self.liveAtMs = liveAtMs
        self.servingAtMs = servingAtMs
        self.servingLost = servingLost
        self.recoveredAtMs = recoveredAtMs
        self.successBefore = successBefore
        self.successDuring = successDuring
        self.successAfter = successAfter
        self.settleMs = settleMs
    }
}

/// One decision of the auto-scaler and what followed it: the signal, the command, and when the
/// deployment had the new number of query nodes, when a new node held segments and when it
/// served searches (from its own counters); the background searches before, during and after.
/// Times are milliseconds since the watch started.
public struct ScalingRecord: Codable, Sendable {
    public var atMs: Double
    public var from: Int
    public var to: Int
    /// Why: e.g. `CPU 84% > 70%`, or `CPU 12% and memory 3% below half of 70% and 80%`.
    public var reason: String
    public var cpuPercent: Double?
    public var memoryPercent: Double?
    /// The command as run, its exit code, how long it took, and its error.
    public var command: String
    public var exitCode: Int32?
    public var commandMs: Double?
    public var error: String?
    public var dryRun: Bool
    /// Query node ids when the decision was made, and those that joined or left after it.
    public var nodesBefore: [Int64]
    public var nodesAdded: [Int64]
    public var nodesRemoved: [Int64]
    /// First check at which the new query node's own metrics endpoint answered with its node id
    /// (scaling in: at which the leaving node's no longer did).
    public var nodesAtMs: Double?
    /// First check at which the cluster (GetMetrics) reported `to` query nodes.
    public var reportedAtMs: Double?
    /// Scaling out: first check at which a new node held a segment.
    public var segmentsAtMs: Double?
    /// Scaling out: first check at which a new node had run searches (its
    /// `milvus_querynode_sq_req_count` rose).
    public var servingAtMs: Double?
    /// Background searches in the 30 s before the decision, from it until the new nodes served
    /// (scaling in: until the node was gone) or the next decision, and the 30 s after that.
    public var p99BeforeMs: Double?
    public var p99DuringMs: Double?
    public var p99AfterMs: Double?
    public var successBefore: Double?
    public var successDuring: Double?
    public var successAfter: Double?
    /// Background searches that failed while the nodes changed.
    public var failedDuring: Int?

    public init(atMs: Double, from: Int, to: Int, reason: String, cpuPercent: Double? = nil, memoryPercent: Double? = nil, command: String,
                dryRun: Bool, nodesBefore: [Int64]) {
        self.atMs = atMs
        self.from = from
        self.to = to
        self.reason = reason
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.command = command
        self.dryRun = dryRun
        self.nodesBefore = nodesBefore
        nodesAdded = []
        nodesRemoved = []
    }

    public var isScaleOut: Bool { to > from }
}

// MARK: - Notes

extension StepNote.Code {
    /// The rows could not be counted when a watch started. Values: collection, reason.
    public static let rowsBeforeUncounted = StepNote.Code("rowsBeforeUncounted",
        en: "could not count the rows of '{collection}' when the watch started: {reason}",
        zh: "监控开始时无法统计集合 '{collection}' 的行数：{reason}")

    /// The rows after a watch could not be verified. Values: collection, reason.
    public static let rowsAfterUnverified = StepNote.Code("rowsAfterUnverified",
        en: "could not verify the rows of '{collection}' after the watch: {reason}",
        zh: "监控结束后无法核实集合 '{collection}' 的行数：{reason}")

    /// `--dry-run-actions`: commands recorded, none run. Values: count.
    public static let dryRunActions = StepNote.Code("dryRunActions",
        en: "--dry-run-actions: {count} command(s) recorded, none run",
        zh: "--dry-run-actions：记录了 {count} 条命令，均未执行")

    /// A watch's background load could not start. Values: collection, reason.
    public static let noBackgroundLoad = StepNote.Code("noBackgroundLoad",
        en: "no background load: could not look up '{collection}': {reason}",
        zh: "未运行后台负载：无法查询集合 '{collection}'：{reason}")

    /// A watch's `writes` could not start. Values: collection, reason.
    public static let noWriteLoad = StepNote.Code("noWriteLoad",
        en: "no background writes into '{collection}': {reason}",
        zh: "未向 '{collection}' 运行后台写入：{reason}")

    /// A watch scaled out, the new query node came up, but it held no segment and ran no
    /// search before the watch ended or the next decision. Values: nodes, seconds.
    public static let scaledNodeIdle = StepNote.Code("scaledNodeIdle",
        en: "query node(s) {nodes} came up after the scale-out but held no segment and ran no search in the {seconds} s that followed: the deployment gave the new capacity no work within the watch (on Milvus 2.3 with queryCoord.autoBalance false, its default there, loaded segments never move to a node that joins)",
        zh: "扩容后查询节点 {nodes} 已启动，但在随后的 {seconds} 秒内未持有任何分段、未处理任何查询：在监控期内系统没有给新容量分配工作（Milvus 2.3 中 queryCoord.autoBalance 默认为 false，已加载的分段不会迁移到新加入的节点）")
}
