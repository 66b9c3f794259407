import Foundation

/// Everything a run produced, as plain data: the one source for reports, thresholds and
/// `compare`. Written to `run.json` after every step, so an interrupted or failed run keeps
/// everything that finished.
public struct RunRecord: Codable, Sendable {
    /// Version of this format; bumped when fields change meaning. 2: step notes are
    /// `{code, values}` objects (format 1 had plain strings, still read).
    public static let currentFormatVersion = 2

    public enum Status: String, Codable, Sendable {
        case running
        /// Every step ran and every threshold held.
        case passed
        /// Every step ran, a threshold failed.
        case thresholdsFailed
        /// A step failed (server unreachable, RPC error): the run stopped there.
        case failed
        /// Ctrl-C or SIGTERM.
        case interrupted
    }

    public var formatVersion = Self.currentFormatVersion
    public var tool: String
    public var toolVersion: String
    public var scenario: ScenarioInfo
    public var target: TargetInfo
    public var host: String
    public var startedAt: Date
    public var endedAt: Date?
    public var status: Status
    public var steps: [StepRecord]
    public var thresholds: [ThresholdResult]
    /// The failure that stopped the run, when one did.
    public var failure: StepFailure?
    /// What the run cost this machine: the tool's own CPU and peak memory.
    public var client: ClientUsage?
    /// `run --shard I/N`: which shard made this record; `merge`: the shards it was merged from.
    public var shard: ShardInfo?

    public struct ShardInfo: Codable, Sendable, Equatable {
        /// 0-based; nil in a merged record.
        public var index: Int?
        public var count: Int
        /// `--start-at`, when the shards started their load together at a set time.
        public var startAt: Date?
        /// A merged record: the shards merged, by index (all of 0…count−1 unless `--allow-partial`).
        public var merged: [Int]?

        public init(index: Int? = nil, count: Int, startAt: Date? = nil, merged: [Int]? = nil) {
            self.index = index
            self.count = count
            self.startAt = startAt
            self.merged = merged
        }
    }

    public struct ClientUsage: Codable, Sendable {
        /// User + system CPU time of the whole run, in milliseconds.
        public var cpuMs: Double
        /// Peak resident memory of the process, in MiB.
        public var peakRSSMB: Double

        public init(cpuMs: Double, peakRSSMB: Double) {
            self.cpuMs = cpuMs
            self.peakRSSMB = peakRSSMB
        }
    }

    public struct ScenarioInfo: Codable, Sendable {
        public var name: String
        public var title: String?
        public var file: String
        /// SHA-256 of the scenario file's bytes.
        public var sha256: String
        /// `en` or `zh`: the language of the reports.
        public var language: String
        /// The report formats the scenario asked for (markdown, csv, json, junit, svg).
        public var formats: [String]?
        /// The scenario's `regressions:` block: what `compare` gates on when this run is the new
        /// one (nil or empty: the gate's defaults).
        public var regressions: [RegressionGateRule]?

        public init(name: String, title: String? = nil, file: String, sha256: String, language: String, formats: [String]? = nil) {
            self.name = name
            self.title = title
            self.file = file
            self.sha256 = sha256
            self.language = language
            self.formats = formats
        }
    }

    /// The target without secrets: the URI, database, and what the server said about itself.
    public struct TargetInfo: Codable, Sendable {
        public var uri: String
        public var database: String
        public var serverVersion: String?
        public var deployMode: String?
        public var queryNodes: Int?
        public var authenticated: Bool

        public init(uri: String, database: String, serverVersion: String? = nil, deployMode: String? = nil, queryNodes: Int? = nil, authenticated: Bool) {
            self.uri = uri
            self.database = database
            self.serverVersion = serverVersion
            self.deployMode = deployMode
            self.queryNodes = queryNodes
            self.authenticated = authenticated
        }
    }

    public init(formatVersion: Int = Self.currentFormatVersion, tool: String, toolVersion: String, scenario: ScenarioInfo, target: TargetInfo, host: String, startedAt: Date, endedAt: Date? = nil, status: Status, steps: [StepRecord], thresholds: [ThresholdResult], failure: StepFailure? = nil, client: ClientUsage? = nil) {
        self.formatVersion = formatVersion
        self.tool = tool
        self.toolVersion = toolVersion
        self.scenario = scenario
        self.target = target
        self.host = host
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.steps = steps
        self.thresholds = thresholds
        self.failure = failure
        self.client = client
    }
}

/// The outcome of one step.
public struct StepRecord: Codable, Sendable {
    enum CodingKeys: String, CodingKey {
        case path, id, kind, collection, status, startedAt, durationMs, clientCpuMs, metrics, unverified, retries, failure, measuredFrom, rates, timeline, notes
    }

    public enum Status: String, Codable, Sendable {
        case ok
        case failed
        /// The deployment cannot run it (e.g. more replicas than query nodes), said the server.
        case unsupported
        /// Not run: an earlier step failed or the run was interrupted.
        case skipped
    }

    /// Position in the scenario: "3", or "9.2" for the second step of a sweep row.
    public var path: String
    public var id: String
    public var kind: String
    public var collection: String?
    public var status: Status
    public var startedAt: Date
    public var durationMs: Double
    /// CPU time (user + system, all threads) this process used during the step, in milliseconds:
    /// the client's cost, e.g. per 1,000 searches.
    public var clientCpuMs: Double?
    /// Recorded metrics, each in its unit (milliseconds, percent, count, per second, ratio).
    public var metrics: [String: Double]
    /// Metrics left out because their value could not be trusted, with why (e.g. `rowsLost`
    /// when the row count after a fault kept changing): a threshold on one fails with that reason.
    public var unverified: [String: String]?
    /// Calls the client repeated during the step after a transient failure, by `"RPC: reason"`
    /// (e.g. `Flush: channel not found`); nil when none were.
    public var retries: [String: Int]?
    public var failure: StepFailure?
    /// When a load step's measured requests started (wall clock; warm-up excluded): `merge`
    /// lines the shards' phases up with it.
    public var measuredFrom: Date?
    /// What a step's rates were made of (completions per interval, rows per request), for
    /// `compare`'s significance test; nil in records made before they were kept.
    public var rates: [RateSamples]?
    /// A load step's measured phase second by second; nil for other steps and older records.
    public var timeline: LoadTimelineRecord?
    /// Facts worth knowing (which nodes serve the replicas, what could not be measured).
    public var notes: [StepNote]
    /// What the step's kind records beyond metrics and notes (its spec type's `Details`): the
    /// latency histogram of a load, a monitor's nodes, a watch's checks. Stored beside the fields
    /// above in the step's JSON object; nil for a kind this build does not know.
    public var details: (any StepDetails)?

    public init(path: String, id: String, kind: String, collection: String?, startedAt: Date) {
        self.path = path
        self.id = id
        self.kind = kind
        self.collection = collection
        self.status = .ok
        self.startedAt = startedAt
        self.durationMs = 0
        self.metrics = [:]
        self.notes = []
        self.details = StepDetailsCatalog.thisBuild.type(ofKind: kind)?.init()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(String.self, forKey: .kind)
        collection = try c.decodeIfPresent(String.self, forKey: .collection)
        status = try c.decode(Status.self, forKey: .status)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        durationMs = try c.decode(Double.self, forKey: .durationMs)
        clientCpuMs = try c.decodeIfPresent(Double.self, forKey: .clientCpuMs)
        metrics = try c.decode([String: Double].self, forKey: .metrics)
        unverified = try c.decodeIfPresent([String: String].self, forKey: .unverified)
        retries = try c.decodeIfPresent([String: Int].self, forKey: .retries)
        failure = try c.decodeIfPresent(StepFailure.self, forKey: .failure)
        measuredFrom = try c.decodeIfPresent(Date.self, forKey: .measuredFrom)
        rates = try c.decodeIfPresent([RateSamples].self, forKey: .rates)
        timeline = try c.decodeIfPresent(LoadTimelineRecord.self, forKey: .timeline)
        notes = try c.decode([StepNote].self, forKey: .notes)
        // The kind's details, from the same JSON object; a kind this build does not know keeps none.
        details = try StepDetailsCatalog.thisBuild.type(ofKind: kind).map { try $0.init(from: decoder) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(collection, forKey: .collection)
        try c.encode(status, forKey: .status)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encodeIfPresent(clientCpuMs, forKey: .clientCpuMs)
        try c.encode(metrics, forKey: .metrics)
        try c.encodeIfPresent(unverified, forKey: .unverified)
        try c.encodeIfPresent(retries, forKey: .retries)
        try c.encodeIfPresent(failure, forKey: .failure)
        try c.encodeIfPresent(measuredFrom, forKey: .measuredFrom)
        try c.encodeIfPresent(rates, forKey: .rates)
        try c.encodeIfPresent(timeline, forKey: .timeline)
        try c.encode(notes, forKey: .notes)
        try details?.encode(to: encoder)
    }
}

/// A metric a scenario asked `compare` to gate on, with how far it may move in its worse direction.
public struct RegressionGateRule: Codable, Sendable, Equatable {
    /// A step key (`baseline`, `replicas[2].replica_search`) or `*` for every step.
    public var step: String
    public var metric: String
    /// The tolerance as a percentage of the earlier value, when relative.
    public var relativePercent: Double?
    /// The tolerance in the metric's own unit, when absolute.
    public var absolute: Double?

    public init(step: String, metric: String, relativePercent: Double? = nil, absolute: Double? = nil) {
        self.step = step
        self.metric = metric
        self.relativePercent = relativePercent
        self.absolute = absolute
    }
}

/// Why a step failed: the step, the RPC, the server's code and reason.
public struct StepFailure: Codable, Sendable, CustomStringConvertible {
    public var stepPath: String
    public var stepId: String
    public var kind: String
    public var rpc: String?
    public var code: String?
    public var reason: String
    public var hint: String?

    public var description: String {
        var s = "step \(stepPath) (\(kind) '\(stepId)') failed"
        if let rpc { s += " in \(rpc)" }
        if let code { s += " [\(code)]" }
        s += ": \(reason)"
        if let hint { s += " — \(hint)" }
        return s
    }

    public init(stepPath: String, stepId: String, kind: String, rpc: String? = nil, code: String? = nil, reason: String, hint: String? = nil) {
        self.stepPath = stepPath
        self.stepId = stepId
        self.kind = kind
        self.rpc = rpc
        self.code = code
        self.reason = reason
        self.hint = hint
    }
}

/// A latency histogram in microseconds, as (value, count) pairs of its recorded values, so runs
/// can be merged or compared later without losing resolution.
public struct EncodedHistogram: Codable, Sendable, Equatable {
    public var unit = "us"
    public var significantDigits: Int
    public var counts: [[UInt64]]

    public init(unit: String = "us", significantDigits: Int, counts: [[UInt64]]) {
        self.unit = unit
        self.significantDigits = significantDigits
        self.counts = counts
    }
}

/// One reason a step's operations failed, in the server's (or transport's) own words, with how
/// many failed with it.
public struct ErrorReason: Codable, Sendable, Equatable {
    /// The short key also used in `errorsByCode`, e.g. `server 65535`.
    public var code: String
    public var reason: String
    public var count: Int

    public init(code: String, reason: String, count: Int) {
        self.code = code
        self.reason = reason
        self.count = count
    }

    /// Reasons beyond this many distinct ones are counted under one "other reasons" entry.
    public static let limit = 16
    /// Longer reasons are cut here.
    public static let maxLength = 500
}

/// How a threshold came out.
public struct ThresholdResult: Codable, Sendable {
    public var expression: String
    public var stepId: String
    public var metric: String
    public var unit: String
    public var limit: Double
    /// nil when the step did not run or did not record the metric (the threshold then fails).
    public var observed: Double?
    public var passed: Bool
    public var note: String?
    /// The comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`), so `merge` can judge merged numbers again.
    public var op: String?

    public init(expression: String, stepId: String, metric: String, unit: String, limit: Double, observed: Double? = nil, passed: Bool, note: String? = nil,
                op: String? = nil) {
        self.op = op
        self.expression = expression
        self.stepId = stepId
        self.metric = metric
        self.unit = unit
        self.limit = limit
        self.observed = observed
        self.passed = passed
        self.note = note
    }
}
