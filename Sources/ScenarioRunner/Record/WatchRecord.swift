import Foundation

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
    /// Rows in the collection when the watch started and when it ended.
    public var rowsBefore: Int?
    public var rowsAfter: Int?

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
}

/// The background search load during a watch.
public struct BackgroundLoadRecord: Codable, Sendable {
    /// One second of the load, by when its searches were sent.
    public struct Second: Codable, Sendable {
        public var second: Int
        public var succeeded: Int
        public var failed: Int
    }

    public var rate: Double
    public var seconds: [Second]
    /// Failed searches by error.
    public var errorsByCode: [String: Int]
    public var latency: EncodedHistogram
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
}
