import Foundation

/// Something worth knowing about a step, as a fact: a code and its values. Runners record
/// facts; the reports put them into words, in English or Chinese (`Labels.note`), and the log
/// uses the English `description`.
public struct StepNote: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// `create` with `recreate: true` dropped an existing collection. Values: collection.
        case recreated
        /// Which query nodes serve each replica group after `load`. Values: groups ("[1, 2] [3]").
        case replicaGroups
        /// The server lacks GetQuerySegmentInfo; segments per node come from `/metrics`.
        case segmentInfoUnsupported
        /// A metrics endpoint could not be read (records before format 3; see `metricsEndpointDown`).
        /// Values: endpoint, reason.
        case metricsUnreadable
        /// A metrics endpoint could not be read; said once per endpoint and run. Values: endpoint, reason.
        case metricsEndpointDown
        /// No metrics endpoints were given: memory and CPU per node are not measured.
        case noMetricsEndpoints
        /// A search step's per-node traffic is unknown: no endpoint served query-node request
        /// counters. Values: endpoints (comma-separated, or "none").
        case trafficUnknown
        /// A search iterator read fewer rows per query than the filter matches (the server's
        /// range search stopped early). Values: read, expected.
        case iteratorShort
        /// The health step's connect-and-list failed. Values: reason.
        case connectFailed
        /// The rows could not be counted when a watch started. Values: collection, reason.
        case rowsBeforeUncounted
        /// The rows after a watch could not be verified. Values: collection, reason.
        case rowsAfterUnverified
        /// `--dry-run-actions`: commands recorded, none run. Values: count.
        case dryRunActions
        /// A watch's background load could not start. Values: collection, reason.
        case noBackgroundLoad
        /// A watch's `writes` could not start. Values: collection, reason.
        case noWriteLoad
        /// Recall was asked for, but the collection's rows are unknown (not created and filled by
        /// this scenario). Values: collection.
        case recallNoRows
        /// Recall was asked for with a metric it cannot score. Values: metric.
        case recallMetric
        /// Recall was asked for on a step whose `filter` the tool cannot evaluate on the rows it
        /// makes again. Values: reason.
        case recallFilter
        /// Recall's sample search failed or answered without the hits' vectors. Values: reason.
        case recallFailed
        /// The query vectors' file has exact neighbours, but they do not fit the collection or
        /// the step, so the tool computed them from the file's rows instead. Values: reason.
        case recallFileNeighbors
        /// `run --shard`: this shard did not run the step; shard 0 does. Values: shard.
        case shardLeadOnly
        /// `run --shard`: the shard waited for the collection to be loaded. Values: collection, seconds.
        case shardWaitedForLoad
        /// `run --shard --start-at`: the load started late. Values: late (seconds).
        case shardStartedLate
        /// `merge`: the shards' measured phases of the step did not all overlap. Values: overlap (percent), window (seconds).
        case shardOverlap
        /// `merge --allow-partial`: shards missing from the merge. Values: shards.
        case shardsMissing
        /// A watch scaled out, the new query node came up, but it held no segment and ran no
        /// search before the watch ended or the next decision. Values: nodes, seconds.
        case scaledNodeIdle
        /// A search step on 2 or more replica groups where a group led none of the searches (the
        /// nodes' own counters). Values: nodes, searches, groups.
        case replicaGroupIdle
        /// The runner process used at least 90 % of every core during a load step. Values:
        /// percent (of one core), cores.
        case clientSaturated
        /// A capacity rate's P99 was at or above the SLA. Values: p99, limit (with units).
        case capacityP99
        /// A capacity rate had no completed query.
        case capacityNoQuery
        /// A capacity rate failed more queries than the SLA allows. Values: rate, limit (percent).
        case capacityErrors
        /// A capacity rate was not achieved. Values: achieved, share (percent), target.
        case capacityAchieved
        /// Capacity's recall was below its floor. Values: recall, floor.
        case capacityRecall
        /// A capacity rate was limited by the client. Values: late, sent.
        case capacityClientLimit
        /// A note from a record written before notes had codes (format 1). Values: text.
        case text
    }

    public var code: Code
    public var values: [String: String]

    public init(_ code: Code, _ values: [String: String] = [:]) {
        self.code = code
        self.values = values
    }

    public subscript(_ key: String) -> String { values[key] ?? "?" }

    /// English, for the log and for English reports.
    public var description: String { Self.fill(Self.english[code] ?? "{text}", values) }

    /// The English words of each code; `{key}` is a value.
    public static let english: [Code: String] = [
        .recreated: "dropped the existing collection '{collection}' first (recreate: true)",
        .replicaGroups: "replica groups on query nodes: {groups}",
        .segmentInfoUnsupported: "GetQuerySegmentInfo is not supported by this server; segments come from /metrics",
        .metricsUnreadable: "could not read {endpoint}/metrics: {reason}",
        .metricsEndpointDown: "{endpoint}/metrics: {reason} — memory, CPU and search traffic of the nodes behind it are unknown; check target.metrics (for the local servers: eval \"$(scripts/milvus-local env cluster)\")",
        .noMetricsEndpoints: "no metrics endpoints (target.metrics): memory and CPU per node are not measured",
        .trafficUnknown: "per-node search traffic unknown: no query-node request counters at {endpoints}",
        .iteratorShort: "the iterator read {read} rows per query of the {expected} the search can reach: this server's range search stopped early (milvus-lite 3.2.2 looks only among the 5 × batch nearest rows)",
        .connectFailed: "connect and list failed: {reason}",
        .rowsBeforeUncounted: "could not count the rows of '{collection}' when the watch started: {reason}",
        .rowsAfterUnverified: "could not verify the rows of '{collection}' after the watch: {reason}",
        .dryRunActions: "--dry-run-actions: {count} command(s) recorded, none run",
        .noBackgroundLoad: "no background load: could not look up '{collection}': {reason}",
        .noWriteLoad: "no background writes into '{collection}': {reason}",
        .recallNoRows: "recall not measured: '{collection}' was not created and filled by this scenario, so its rows are unknown",
        .recallMetric: "recall not measured: metric {metric} is not L2, IP or COSINE",
        .recallFilter: "recall not measured: the filter cannot be evaluated on the generated rows: {reason}",
        .recallFailed: "recall not measured: {reason}",
        .recallFileNeighbors: "the data file's neighbours were not used ({reason}); recall is scored against neighbours computed from the file's rows",
        .shardLeadOnly: "shard {shard}: not run here — shard 0 runs it (setup and server readings are done once)",
        .shardWaitedForLoad: "waited {seconds} s until '{collection}' was loaded by shard 0",
        .shardStartedLate: "the load started {late} s after --start-at: this shard was not ready in time (start later)",
        .shardOverlap: "the shards' measured phases overlapped for {overlap}% of the step's {window} s window: they were not all sending at once, so the merged QPS is lower than the server sustained",
        .shardsMissing: "merged without shard(s) {shards} (--allow-partial): their queries are missing from every total",
        .scaledNodeIdle: "query node(s) {nodes} came up after the scale-out but held no segment and ran no search in the {seconds} s that followed: the deployment gave the new capacity no work within the watch (on Milvus 2.3 with queryCoord.autoBalance false, its default there, loaded segments never move to a node that joins)",
        .replicaGroupIdle: "the replica group of node(s) {nodes} led none of the {searches} searches: the proxy sent every one to the other group(s) of {groups}. A Milvus 2.3 proxy routes by a shard-leader list it caches for proxy.shardLeaderCacheInterval (30 s by default); a list fetched while a group was still coming up leaves that group out until it expires. To measure how replicas share traffic, warm up for longer than that after a load",
        .clientSaturated: "the client, not the server, limited this step: this process used {percent} % of a core on a machine with {cores} core(s) — the numbers are a floor for the server; run fewer in-flight queries, or more runner processes (run --shard)",
        .capacityP99: "p99 {p99} ≥ {limit}",
        .capacityNoQuery: "no query completed",
        .capacityErrors: "errors {rate}% > {limit}%",
        .capacityAchieved: "achieved {achieved}/s < {share}% of {target}/s",
        .capacityRecall: "recall {recall} < {floor}",
        .capacityClientLimit: "client limit: {late} of {sent} queries sent late with a connection idle",
        .text: "{text}",
    ]

    /// A template with its `{key}`s replaced by the values ("?" for a missing one).
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            out += values[String(rest[rest.index(after: open)..<close])] ?? "?"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// A format-1 note (English text) as the fact it stated, when it matches one of the
    /// templates; otherwise kept as `.text`.
    public init(legacy text: String) {
        for code in Code.allCases where code != .text {
            if let values = Self.match(Self.english[code]!, text) {
                self.init(code, values)
                return
            }
        }
        self.init(.text, ["text": text])
    }

    /// The values that make `template` read `text`, or nil.
    static func match(_ template: String, _ text: String) -> [String: String]? {
        // Literal pieces and keys, alternating: literal, key, literal, …, literal.
        var literals: [String] = []
        var keys: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            literals.append(String(rest[..<open]))
            keys.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        literals.append(String(rest))
        if keys.isEmpty { return text == literals[0] ? [:] : nil }
        guard text.hasPrefix(literals[0]), text.hasSuffix(literals.last!),
              text.count >= literals[0].count + literals.last!.count else { return nil }
        var values: [String: String] = [:]
        var position = text.index(text.startIndex, offsetBy: literals[0].count)
        let end = text.index(text.endIndex, offsetBy: -literals.last!.count)
        for (i, key) in keys.enumerated() {
            let next = literals[i + 1]
            let upTo: String.Index
            if i == keys.count - 1 {
                upTo = end
            } else {
                guard let r = text.range(of: next, range: position..<end) else { return nil }
                upTo = r.lowerBound
            }
            guard position <= upTo else { return nil }
            values[key] = String(text[position..<upTo])
            position = i == keys.count - 1 ? end : text.index(upTo, offsetBy: next.count)
        }
        return values
    }

    private enum Keys: String, CodingKey { case code, values }

    /// Reads `{"code": …, "values": {…}}`, or a plain string from a format-1 record (turned
    /// back into its code and values when it matches a template).
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self.init(legacy: text)
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(try c.decode(Code.self, forKey: .code), try c.decodeIfPresent([String: String].self, forKey: .values) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(code, forKey: .code)
        if !values.isEmpty { try c.encode(values, forKey: .values) }
    }
}
