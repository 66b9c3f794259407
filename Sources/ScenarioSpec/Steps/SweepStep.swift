/// `sweep`: repeats nested steps once per value of a parameter and compares the rows.
public struct SweepStep: StepSpec {
    public static let kind = "sweep"
    public static let maySweep = false
    public static let summary = "Repeats its nested `steps` once for each value in `over` (e.g. `over: {replicas: [1, 2, 3]}`); inside them `${replicas}` is the current value. Produces a comparison table with the speed-up of each row against the first (the document's replica table). A row the deployment cannot run (more replicas than query nodes) is recorded as \"not supported by this deployment\" with the server's reason, and the sweep goes on unless `onUnsupported: abort`. Sweeps cannot be nested and cannot hold a `watch`."
    public static let collectionUse = CollectionUse.none

    public enum OnUnsupported: String, Sendable, CaseIterable {
        case `continue`, abort
    }

    public struct Keys: KeySet {
        public init() {}

        // Read as the YAML node: its one key names the parameter and each value is bound as
        // written (text, with its mark) when the row's steps are decoded.
        public let over = Key.node("over", .map(.list(.scalar, minCount: 1)), .required, "One parameter name and its values: `{replicas: [1, 2, 3]}`, `{concurrency: [1, 10, 20]}`, `{nprobe: [8, 16, 32]}`.")
        public let steps = VariantListKey("steps", StepKinds.nested, minCount: 1, .required, "Steps run for each value; refer to the value as `${name}`.")
        public let onUnsupported = Key<OnUnsupported>.choice("onUnsupported", .defaultValue("continue"), "What to do when a row is not supported by the deployment: record it and go on, or fail the run.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let values = Metric<CountValue>("values", .neither, "Rows in the comparison table.")
        public let unsupported = Metric<CountValue>("unsupported", .lower, "Rows the deployment could not run.")
        public let bestQps = Metric<RateValue>("bestQps", .higher, "Highest QPS of any row's search step.")
        public let worstP99 = Metric<DurationValue>("worstP99", .lower, "Highest P99 of any row's search step.")
        public let maxSpeedup = Metric<RatioValue>("maxSpeedup", .higher, "Largest QPS speed-up of a row against the first row (性能提升).")
        public let lastSpeedup = Metric<RatioValue>("lastSpeedup", .higher, "QPS speed-up of the last row against the first row.")
        public let bestRecall = Metric<FractionValue>("bestRecall", .higher, "Highest mean recall of any row's search step (rows whose search sets `recall`).")
        public let worstRecall = Metric<FractionValue>("worstRecall", .higher, "Lowest mean recall of any row's search step (rows whose search sets `recall`).")
        public let totalTime = Metric<DurationValue>.totalTime("every row")
    }

    /// One value of the parameter and the steps run for it.
    public struct Row: Sendable {
        public var value: String
        public var mark: Mark
        public var steps: [Step]
    }

    public var parameter: String
    public var rows: [Row]
    public var onUnsupported: OnUnsupported

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        let d = context.decoder
        onUnsupported = r[\.onUnsupported] ?? .continue
        parameter = ""
        rows = []
        let stepsNode = r.written(\.steps)
        guard let over = r.written(\.over) else { return }
        guard let entries = over.mapping, entries.count == 1, let entry = entries.first,
              let name = entry.key.scalar?.text else {
            let count = over.mapping?.count ?? 0
            d.error(over.mark, .sweepOver, count > 1
                ? "a sweep varies one parameter, found \(count); nest the other values in a second sweep's rows or run two sweeps"
                : "'over' names one parameter and its values, like {replicas: [1, 2, 3]}; got \(over.shapeDescription)")
            return
        }
        guard Interpolation.isValidName(name) else {
            d.error(entry.key.mark, .sweepParameter, "sweep parameter '\(name)' must be a variable name (letters, digits, '_') so steps can write ${\(name)}")
            return
        }
        parameter = name
        guard let items = entry.value.sequence, !items.isEmpty else {
            d.error(entry.value.mark, .sweepValues, "'\(name)' needs a list of at least one value, like [1, 2, 3]; got \(entry.value.shapeDescription)")
            return
        }
        var values: [(String, Mark)] = []
        for item in items {
            guard let (text, _) = d.text(item, what: "a sweep value") else { continue }
            if item.isNull { d.error(item.mark, .sweepValues, "a sweep value cannot be empty"); continue }
            if let dup = values.first(where: { $0.0 == text }) {
                d.warning(item.mark, .sweepValueRepeated, "sweep value '\(text)' repeats the one at \(dup.1.line):\(dup.1.column); the row will run twice")
            }
            values.append((text, item.mark))
        }
        guard let stepsNode else { return }
        if !Self.mentions(stepsNode, variable: name) {
            d.warning(entry.key.mark, .sweepParameterUnused, "no nested step uses ${\(name)}; every row of this sweep would run the same steps")
        }
        rows = values.map { value, mark in
            Row(value: value, mark: mark,
                steps: context.nestedSteps(stepsNode, bindings: [name: .value(value, origin: "sweep value at \(mark.line):\(mark.column)")]))
        }
        let searches = rows.first?.steps.filter { type(of: $0.spec).measuresSearchLatency } ?? []
        if searches.isEmpty, !rows.isEmpty {
            d.warning(r.node.mark, .sweepWithoutSearch, "this sweep has no concurrentSearch or hotSearch step, so its comparison table will have no QPS or latency")
        }
    }

    /// Whether any scalar under `node` refers to `${variable…}`.
    static func mentions(_ node: Node, variable: String) -> Bool {
        var stack = [node]
        while let n = stack.popLast() {
            switch n.content {
            case .scalar(let s):
                if s.text.contains("${\(variable)}") || s.text.contains("${\(variable):") { return true }
            case .sequence(let items): stack += items
            case .mapping(let entries): stack += entries.map(\.value)
            }
        }
        return false
    }
}

extension DiagnosticCode {
    public static let sweepOver = DiagnosticCode("sweep-over")
    public static let sweepParameter = DiagnosticCode("sweep-parameter")
    public static let sweepParameterUnused = DiagnosticCode("sweep-parameter-unused")
    public static let sweepValueRepeated = DiagnosticCode("sweep-value-repeated")
    public static let sweepValues = DiagnosticCode("sweep-values")
    public static let sweepWithoutSearch = DiagnosticCode("sweep-without-search")
}

extension SweepStep {
    /// One group per value of the parameter.
    public var nestedGroups: [NestedStepGroup] { rows.map { NestedStepGroup(row: (parameter, $0.value), steps: $0.steps) } }
}

extension SweepStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.sweepOver, .sweepParameter, .sweepParameterUnused, .sweepValueRepeated, .sweepValues, .sweepWithoutSearch]

    public static let examples: [StepExample] = [
        .valid("The replica table: the same searches with 1, 2 and 3 replicas", """
            - sweep:
                id: replicas
                over: {replicas: [1, 2, 3]}
                steps:
                  - release
                  - load: {replicas: "${replicas}"}
                  - concurrentSearch: {queries: 100, concurrency: 20}
            """),
        .valid("A value that repeats runs its row twice (warned)", """
            - sweep:
                over: {ef: [32, 32]}
                steps: [{concurrentSearch: {params: {ef: "${ef}"}}}]
            """, warnings: [.sweepValueRepeated]),
        .valid("Rows that never use the value are all the same (warned)", """
            - sweep:
                over: {replicas: [1, 2]}
                steps: [concurrentSearch]
            """, warnings: [.sweepParameterUnused]),
        .valid("Rows without a search have no comparison (warned)", """
            - sweep:
                over: {replicas: [1, 2]}
                steps: [release, {load: {replicas: "${replicas}"}}]
            """, warnings: [.sweepWithoutSearch]),
        .invalid("Two parameters at once", """
            - sweep:
                over: {replicas: [1, 2], concurrency: [10, 20]}
                steps: [concurrentSearch]
            """, .sweepOver),
        .invalid("A parameter steps cannot name", """
            - sweep:
                over: {"top-k": [10, 20]}
                steps: [concurrentSearch]
            """, .sweepParameter),
        .invalid("No values", """
            - sweep:
                over: {replicas: []}
                steps: [concurrentSearch]
            """, .sweepValues),
    ]
}
