/// The unit a metric is recorded in; thresholds must be written in a compatible unit.
public enum MetricUnit: String, Sendable, Codable, CaseIterable {
    /// Durations, recorded in milliseconds; thresholds write `100ms` or `1.5s`.
    case milliseconds = "ms"
    /// 0–100; thresholds write `80%`.
    case percent = "%"
    case count
    case perSecond = "/s"
    /// A plain ratio such as a speed-up; thresholds may write `1.5` or `1.5x`.
    case ratio = "x"
    /// 1 for yes, 0 for no; thresholds may write `1`, `0`, `true` or `false`.
    case boolean = "bool"

    public var summary: String {
        switch self {
        case .milliseconds: return "duration"
        case .percent: return "percent"
        case .count: return "count"
        case .perSecond: return "per second"
        case .ratio: return "ratio"
        case .boolean: return "0/1"
        }
    }
}

/// A value a step records; thresholds and `compare` address it as `<stepId>.<name>`.
public struct MetricSpec: Sendable, Hashable {
    /// Which direction is an improvement (used by `compare`).
    public enum Better: String, Sendable, Codable {
        case lower, higher, neither
    }

    public var name: String
    public var unit: MetricUnit
    public var better: Better
    public var doc: String

    public init(_ name: String, _ unit: MetricUnit, _ better: Better, _ doc: String) {
        self.name = name
        self.unit = unit
        self.better = better
        self.doc = doc
    }
}

extension MetricSpec {
    static func totalTime(_ what: String) -> MetricSpec {
        MetricSpec("totalTime", .milliseconds, .lower, "Wall time of \(what).")
    }

    /// Latency and throughput metrics shared by the search steps (the document's 查询性能统计).
    static func searchMetrics(prefix: String = "", of what: String = "queries") -> [MetricSpec] {
        let p = prefix.isEmpty ? "" : prefix + "."
        return [
            MetricSpec("\(p)queries", .count, .neither, "Measured \(what) (warm-up excluded)."),
            MetricSpec("\(p)avg", .milliseconds, .lower, "Mean latency of \(what) (平均延迟)."),
            MetricSpec("\(p)p50", .milliseconds, .lower, "Median latency of \(what)."),
            MetricSpec("\(p)p99", .milliseconds, .lower, "99th percentile latency of \(what)."),
        ]
    }
}
