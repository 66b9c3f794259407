import Foundation

/// Something worth knowing about a step, as a fact: a code and its values. Runners record
/// facts; the reports put them into words, in English or Chinese (`Labels.note`), and the log
/// uses the English `description`.
public struct StepNote: Codable, Sendable, Equatable, CustomStringConvertible {
    /// What a note says, by a stable name (written to run.json), with its words in English and
    /// Chinese; `{key}` in the words is one of the note's values. Codes that only one kind
    /// records are declared in that kind's file under `Kinds/` and listed in its
    /// `RecordedStep.noteCodes`; the codes of the whole run, or of several kinds, are here.
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        /// The English words (the log and English reports).
        public let english: String
        /// The Chinese words; nil: the English ones.
        public let chinese: String?

        public init(_ rawValue: String, en: String, zh: String?) {
            self.rawValue = rawValue
            english = en
            chinese = zh
        }

        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
        public var description: String { rawValue }

        /// A known code by its name; a name this build does not know (a newer record's) keeps
        /// it, and its note reads as the name and values.
        public init(rawValue: String) {
            self = Self.known[rawValue] ?? Code(rawValue, en: "\(rawValue): {values}", zh: nil)
        }

        public init(from decoder: any Decoder) throws { self.init(rawValue: try decoder.singleValueContainer().decode(String.self)) }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }

        /// The codes of the whole run or of several kinds: declared below, and with the facets
        /// several kinds share (per-node traffic in Kinds/TrafficRecord.swift, recall in
        /// Kinds/QualityRecord.swift).
        static let general: [Code] = [.trafficUnknown, .replicaGroupIdle, .metricsGap, .metricsGapOpen, .recallNoRows, .recallShadowLost, .verifyUnknownRows, .wrongAnswers, .recallMetric, .recallFilter, .recallFailed, .recallFileNeighbors,
                                      .metricsUnreadable, .metricsEndpointDown, .noMetricsEndpoints, .shardLeadOnly, .shardWaitedForLoad, .shardStartedLate, .shardOverlap, .shardsMissing, .clientSaturated, .text]

        /// Every code of this build: the general ones and each kind's (`RecordedStep.noteCodes`).
        public static let all: [Code] = general + StepDetailsCatalog.thisBuild.noteCodes.filter { !general.contains($0) }
        static let known: [String: Code] = Dictionary(all.map { ($0.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var code: Code
    public var values: [String: String]

    public init(_ code: Code, _ values: [String: String] = [:]) {
        self.code = code
        self.values = values
    }

    public subscript(_ key: String) -> String { values[key] ?? "?" }

    /// English, for the log and for English reports.
    public var description: String { Self.fill(code.english, values) }

    /// The words in Chinese (the English ones for a code without Chinese words).
    public var chinese: String { Self.fill(code.chinese ?? code.english, values) }


    /// A template with its `{key}`s replaced by the values ("?" for a missing one).
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var values = values
        if values["values"] == nil { values["values"] = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
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
        for code in Code.all where code != .text {
            if let values = Self.match(code.english, text) {
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

// MARK: - The codes of the whole run, or of several kinds

extension StepNote.Code {
    /// A metrics endpoint could not be read (records before format 3; see `metricsEndpointDown`).
    /// Values: endpoint, reason.
    public static let metricsUnreadable = StepNote.Code("metricsUnreadable",
        en: "could not read {endpoint}/metrics: {reason}",
        zh: "无法读取 {endpoint}/metrics：{reason}")

    /// A metrics endpoint could not be read; said once per endpoint and run. Values: endpoint, reason.
    public static let metricsEndpointDown = StepNote.Code("metricsEndpointDown",
        en: "{endpoint}/metrics: {reason} — memory, CPU and search traffic of the nodes behind it are unknown; check target.metrics (for the local servers: eval \"$(scripts/milvus-local env cluster)\")",
        zh: "{endpoint}/metrics：{reason} — 其后节点的内存、CPU 和查询流量未知；请检查 target.metrics（本机服务器：eval \"$(scripts/milvus-local env cluster)\"）")

    /// No metrics endpoints were given: memory and CPU per node are not measured.
    public static let noMetricsEndpoints = StepNote.Code("noMetricsEndpoints",
        en: "no metrics endpoints (target.metrics): memory and CPU per node are not measured",
        zh: "未配置指标端点（target.metrics）：未测量各节点的内存和 CPU")

    /// `run --shard`: this shard did not run the step; shard 0 does. Values: shard.
    public static let shardLeadOnly = StepNote.Code("shardLeadOnly",
        en: "shard {shard}: not run here — shard 0 runs it (setup and server readings are done once)",
        zh: "分片 {shard}：本分片不执行此步骤，由分片 0 执行（准备步骤和服务器读数只做一次）")

    /// `run --shard`: the shard waited for the collection to be loaded. Values: collection, seconds.
    public static let shardWaitedForLoad = StepNote.Code("shardWaitedForLoad",
        en: "waited {seconds} s until '{collection}' was loaded by shard 0",
        zh: "等待了 {seconds} 秒，直到分片 0 加载完 '{collection}'")

    /// `run --shard --start-at`: the load started late. Values: late (seconds).
    public static let shardStartedLate = StepNote.Code("shardStartedLate",
        en: "the load started {late} s after --start-at: this shard was not ready in time (start later)",
        zh: "负载比 --start-at 晚了 {late} 秒开始：本分片未及时就绪（请设更晚的开始时间）")

    /// `merge`: the shards' measured phases of the step did not all overlap. Values: overlap (percent), window (seconds).
    public static let shardOverlap = StepNote.Code("shardOverlap",
        en: "the shards' measured phases overlapped for {overlap}% of the step's {window} s window: they were not all sending at once, so the merged QPS is lower than the server sustained",
        zh: "各分片的测量阶段只在该步骤 {window} 秒窗口的 {overlap}% 内重叠：它们并非同时发送，合并后的 QPS 低于服务器实际可承受的")

    /// `merge --allow-partial`: shards missing from the merge. Values: shards.
    public static let shardsMissing = StepNote.Code("shardsMissing",
        en: "merged without shard(s) {shards} (--allow-partial): their queries are missing from every total",
        zh: "合并时缺少分片 {shards}（--allow-partial）：各项总数不含它们的查询")

    /// The runner process used at least 90 % of every core during a load step. Values:
    /// percent (of one core), cores.
    public static let clientSaturated = StepNote.Code("clientSaturated",
        en: "the client, not the server, limited this step: this process used {percent} % of a core on a machine with {cores} core(s) — the numbers are a floor for the server; run fewer in-flight queries, or more runner processes (run --shard)",
        zh: "限制本步骤的是客户端而非服务器：本进程使用了 {percent}% 的单核 CPU（本机共 {cores} 核）——这些数字只是服务器能力的下限；请减少并发中的查询，或使用更多运行进程（run --shard）")

    /// A note from a record written before notes had codes (format 1). Values: text.
    public static let text = StepNote.Code("text",
        en: "{text}",
        zh: nil)
}
