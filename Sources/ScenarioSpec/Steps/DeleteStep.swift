/// `delete`: deletes rows by a filter, or by primary keys in batches.
public struct DeleteStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let kind = "delete"
    public static let summary = "Deletes rows: those matching `filter` (one request), or `rows` primary keys from `firstId` on (`id in [...]`, `batch` keys per request, for an int64 primary key the scenario generated), and records how many the server deleted and how fast. With `verify`, a strongly consistent `count(*)` of what was deleted must then answer 0."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}

        public let filter = Key.text("filter", .optional, "Boolean expression of the rows to delete, e.g. `id < 1000` (Milvus 2.3 accepts primary-key expressions such as `id in [1, 2]` or `id < 1000`; later versions any filter).")
        public let rows = Key.integer("rows", min: 1, max: nil, .optional, "Delete this many primary keys, `firstId`, `firstId`+1, …")
        public let firstId = Key.integer("firstId", min: nil, max: nil, .defaultValue("0"), "With `rows`: the first primary key deleted.")
        public let batch = Key.integer("batch", min: 1, max: 100_000, .defaultValue("1000"), "With `rows`: primary keys per delete request.")
        public let verify = Key.boolean("verify", .defaultValue("true"), "Afterwards, count the deleted rows with a strongly consistent `count(*)`: any left fails the step.")
        public let timeout = Key.duration("timeout", allowZero: false, .runtimeDefault("the target's `timeout`"), "Deadline of each delete request.")
    }

    public static let constraints: [KeyConstraint] = [.exactlyOne(\Keys.filter, \Keys.rows)]

    public struct Metrics: StepMetrics {
        public init() {}
        public let rows = Metric<CountValue>("rows", .neither, "Rows the server counted as deleted.")
        public let requests = Metric<CountValue>("requests", .neither, "Delete requests sent.")
        public let rowsPerSecond = Metric<RateValue>("rowsPerSecond", .higher, "Deleted rows per second of delete requests.")
        public let deleteTime = Metric<DurationValue>("deleteTime", .lower, "Time spent in delete requests.")
        public let remaining = Metric<CountValue>("remaining", .lower, "With `verify`: rows the deleting filter still matched afterwards (0 unless deletes were lost).")
        public let totalTime = Metric<DurationValue>.totalTime("the whole step")
    }

    /// Which rows go.
    public enum Target: Sendable, Hashable {
        case filter(String)
        /// Primary keys `first ..< first + count`, `batch` per request.
        case ids(first: Int, count: Int, batch: Int)
    }

    public var target: Target
    public var verify: Bool
    public var serverNeeds: [ServerNeed] { [ServerNeed("Delete", because: "the delete step deletes with it")] }
    public var timeout: ScenarioDuration?
    /// Where `filter` was written (for diagnostics that check its field names).
    public var filterMark: Mark?

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        // Every key is read whichever way the rows are chosen (an unread key would pass unnoticed).
        let filter = r[\.filter], rows = r[\.rows], firstId = r[\.firstId], batch = r[\.batch]
        if let rows {
            target = .ids(first: firstId ?? 0, count: rows, batch: batch ?? 1000)
        } else {
            target = .filter(filter ?? "")
            for key in [\Keys.firstId, \Keys.batch] where r.has(key) && filter != nil {
                r.decoder.error(r.mark(key), .deleteTarget, "'\(r.name(key))' belongs with 'rows' (deleting primary keys in batches), not with 'filter'")
            }
        }
        if let filter {
            filterMark = r.mark(\.filter)
            if filter.trimmingCharacters(in: .whitespaces).isEmpty {
                r.decoder.error(r.mark(\.filter), .deleteTarget, "an empty 'filter' would match nothing Milvus accepts; to delete everything, use 'drop'")
            }
        }
        verify = r[\.verify] ?? true
        timeout = r[\.timeout]
    }
}

extension DiagnosticCode {
    public static let deleteTarget = DiagnosticCode("delete-target")
}

extension DeleteStep {
    /// The filter's field names are the collection's; deleting by key ranges needs an int64 key.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard let fields = checks.fields(of: step) else { return }
        if case .filter(let filter) = target {
            checks.checkFilter(filter, fields, at: filterMark ?? step.mark, what: "delete", dynamic: checks.isDynamic(step))
        }
        if case .ids = target, let key = fields.first(where: \.primary), key.type != .int64 {
            checks.decoder.error(step.mark, .deleteTarget, "'rows' deletes integer primary keys, and '\(key.name)' is \(key.type.rawValue); use 'filter'")
        }
    }
}

extension DeleteStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.deleteTarget]

    public static let examples: [StepExample] = [
        .valid("The rows matching a filter, checked gone with a strong count", """
            - delete: {filter: "category == 'books'"}
            """),
        .valid("Keys 0 to 4,999 in batches of 1,000", """
            - delete: {rows: 5000, firstId: 0, batch: 1000}
            """),
        .invalid("Key ranges of a varchar key", """
            - create:
                fields:
                  - {name: name, type: varchar, maxLength: 20, primary: true}
                  - {name: embedding, type: floatVector, dim: 8}
            - delete: {rows: 10}
            """, after: .none, .deleteTarget),
    ]
}
