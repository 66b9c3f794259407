import ScenarioSpec

/// A `sweep`: the comparison table, each row with its nested steps as they ran.
public struct SweepStepDetails: StepDetails {
    public var sweep: SweepDetails?

    public init() {}

    public var nestedGroups: [NestedSteps] {
        guard let sweep else { return [] }
        return sweep.rows.map { NestedSteps(row: (sweep.parameter, $0.value), steps: $0.steps) }
    }

    public mutating func updateNestedSteps(_ change: (inout [StepRecord]) -> Void) {
        guard var s = sweep else { return }
        for r in s.rows.indices { change(&s.rows[r].steps) }
        sweep = s
    }
}

/// A `parallel`: its nested steps, each as it ran.
public struct ParallelStepDetails: StepDetails {
    public var parallel: [StepRecord]?

    public init() {}

    public var nestedGroups: [NestedSteps] { parallel.map { [NestedSteps(steps: $0)] } ?? [] }

    public mutating func updateNestedSteps(_ change: (inout [StepRecord]) -> Void) {
        guard var p = parallel else { return }
        change(&p)
        parallel = p
    }
}

extension SweepStep: RecordedStep { public typealias Details = SweepStepDetails }
extension ParallelStep: RecordedStep { public typealias Details = ParallelStepDetails }

/// A sweep's comparison table (the document's 副本数 table).
public struct SweepDetails: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var value: String
        /// ok, unsupported (with the server's reason) or failed.
        public var status: StepRecord.Status
        public var reason: String?
        public var qps: Double?
        public var avgMs: Double?
        public var p99Ms: Double?
        /// QPS of this row ÷ QPS of the first row.
        public var speedup: Double?
        public var steps: [StepRecord]

        public init(value: String, status: StepRecord.Status, reason: String? = nil, qps: Double? = nil, avgMs: Double? = nil, p99Ms: Double? = nil, speedup: Double? = nil, steps: [StepRecord]) {
            self.value = value
            self.status = status
            self.reason = reason
            self.qps = qps
            self.avgMs = avgMs
            self.p99Ms = p99Ms
            self.speedup = speedup
            self.steps = steps
        }
    }

    public var parameter: String
    public var rows: [Row]

    public init(parameter: String, rows: [Row]) {
        self.parameter = parameter
        self.rows = rows
    }
}

