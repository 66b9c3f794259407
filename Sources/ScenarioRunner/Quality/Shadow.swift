import Foundation
import GroundTruth
import MilvusClient
import ScenarioSpec

/// What the tool knows a collection holds, key by key, from every write the server acknowledged:
/// `insert`, `upsert` (also as `parallel` streams), `delete` and a watch's `writes`. Rows are not
/// stored: a write source is an insert step's generators (seeds and row numbers make the rows
/// again on demand) and `keys` says which row each primary key holds now, so memory grows with
/// the write batches and the deleted key ranges, not with the rows.
///
/// Known only for a collection the scenario created with an int64 primary key; `lost` says why
/// the tool stopped knowing (a delete filter it cannot evaluate, …) and then nothing is checked.
struct CollectionShadow: Sendable {
    /// One stream of generated rows: an insert or upsert step, or a watch's writes.
    struct Source: Sendable {
        /// The generators as they stood before the first row: copies make the rows again.
        var generators: [FieldValueGenerator]
        var schema: CollectionSchema
        /// For reports: "insert", "upsert", "watch writes".
        var write: String
        /// Rows made so far (acknowledged, refused or of unknown outcome): the generators' position.
        var rows = 0
        /// Each acknowledged batch's first row and when it was acknowledged, in row order.
        var acknowledged: [(row: Int64, at: ContinuousClock.Instant)] = []

        /// Batches answered out of order (a watch's writes, several in flight) still go in row order.
        mutating func acknowledge(_ row: Int64, at time: ContinuousClock.Instant) {
            var i = acknowledged.count
            while i > 0, acknowledged[i - 1].row > row { i -= 1 }
            acknowledged.insert((row, time), at: i)
        }

        /// When row `row` was acknowledged (nil: never, or not by an acknowledgement this source kept).
        func acknowledgement(of row: Int64) -> ContinuousClock.Instant? {
            var low = 0, high = acknowledged.count
            while low < high {
                let mid = (low + high) / 2
                if acknowledged[mid].row <= row { low = mid + 1 } else { high = mid }
            }
            return low > 0 ? acknowledged[low - 1].at : nil
        }
    }

    /// A delete request the server acknowledged, for telling a stale answer from a wrong one:
    /// its keys as runs `starts[i] ..< starts[i] + lengths[i]`, ascending (12 bytes a run).
    struct Deletion: Sendable {
        var at: ContinuousClock.Instant
        var starts: [Int64]
        var lengths: [UInt32]

        init(_ ranges: [(lo: Int64, hi: Int64)], at: ContinuousClock.Instant) {
            self.at = at
            var starts: [Int64] = [], lengths: [UInt32] = []
            for r in ranges.sorted(by: { $0.lo < $1.lo }) {
                var lo = r.lo
                while lo < r.hi {
                    let n = min(r.hi - lo, Int64(UInt32.max))
                    starts.append(lo)
                    lengths.append(UInt32(n))
                    lo += n
                }
            }
            self.starts = starts
            self.lengths = lengths
        }

        /// Keys it deleted.
        var keys: Int { lengths.reduce(0) { $0 + Int($1) } }

        func contains(_ key: Int64) -> Bool {
            var low = 0, high = starts.count
            while low < high {
                let mid = (low + high) / 2
                if starts[mid] <= key { low = mid + 1 } else { high = mid }
            }
            return low > 0 && key < starts[low - 1] + Int64(lengths[low - 1])
        }

        var bytes: Int { starts.capacity * 8 + lengths.capacity * 4 + MemoryLayout<Deletion>.stride }
    }

    /// How long a delete is remembered for telling a stale answer from a wrong one: a deleted
    /// row returned later than this is wrong at every consistency level.
    static let deletionMemory: Duration = .seconds(60)

    var sources: [Source] = []
    var keys = KeyMap()
    var deletions: [Deletion] = []
    /// Keys of writes sent and not yet answered: a query may see them or not.
    var inFlight: [ClosedRange<Int64>] = []
    /// Writes in flight whose keys the server assigns (auto-ID): any unknown key may be one of them.
    var inFlightUnkeyed = 0
    /// Rows of writes with an unknown outcome whose keys the server assigns: they may be stored
    /// under keys the tool never learnt.
    var unkeyed = 0
    /// Changes with every write, so work over the same rows (ground truth) is reused.
    var version = 0
    /// Why the tool no longer knows what the collection holds.
    var lost: String?
    /// The server's graceful time (`target.gracefulTime`): how stale a Bounded read may be.
    var gracefulTime = Staleness.gracefulTime

    /// Rows a key holds now.
    var rows: Int { keys.count }

    /// One insert of all a file's rows, nothing else: the file's own neighbours apply.
    var isOneInsert: Bool {
        sources.count == 1 && sources[0].write == "insert" && deletions.isEmpty && unkeyed == 0 && keys.count == sources[0].rows
    }

    /// The last deletion of `key`, if any.
    func deletion(of key: Int64) -> Deletion? {
        deletions.last { $0.contains(key) }
    }

    /// The server acknowledged deleting keys `lo ..< hi` (each range) at `time`.
    mutating func delete(_ ranges: [(lo: Int64, hi: Int64)], at time: ContinuousClock.Instant) {
        for r in ranges { keys.remove(r.lo, r.hi) }
        deletions.append(Deletion(ranges, at: time))
        // Only recent deletes explain a stale answer: older ones are let go, so the log does
        // not grow with the run.
        if let first = deletions.first, time - first.at > Self.deletionMemory {
            deletions.removeAll { time - $0.at > Self.deletionMemory }
        }
        version += 1
    }

    /// Whether a write of `key` was in flight.
    func isInFlight(_ key: Int64) -> Bool {
        inFlight.contains { $0.contains(key) }
    }

    /// Bytes the shadow holds (the key map, the acknowledgements, the recent deletes).
    var bytes: Int {
        keys.bytes + sources.reduce(0) { $0 + $1.acknowledged.capacity * MemoryLayout<(row: Int64, at: ContinuousClock.Instant)>.stride }
            + deletions.reduce(0) { $0 + $1.bytes } + inFlight.capacity * MemoryLayout<ClosedRange<Int64>>.stride
    }
}

/// A write's outcome, as the shadow takes it.
enum WriteOutcome: Sendable {
    /// The server acknowledged it: these keys (in row order) hold the rows now.
    case acknowledged([Int64])
    /// The server answered with an error: nothing was stored.
    case refused
    /// No answer (timed out, connection lost): the rows may or may not be stored. The keys, when
    /// the rows carry them.
    case unknown([Int64]?)

    /// A failed write's outcome: refused when the server answered, unknown when it did not.
    static func failed(_ error: any Error, keys: [Int64]?) -> WriteOutcome {
        if let e = error as? MilvusError {
            switch e.kind {
            case .timedOut, .transport: return .unknown(keys)
            default: return .refused
            }
        }
        if error is CancellationError { return .unknown(keys) }
        return .refused
    }
}

extension [Column] {
    /// The primary keys these columns carry (nil when the server assigns them, or they are not int64).
    func keys(_ schema: CollectionSchema) -> [Int64]? {
        guard let key = schema.primaryKey, !key.autoID, case .int64(let v)? = first(where: { $0.name == key.name })?.data else { return nil }
        return v
    }
}

extension RunContext {
    /// `create` made the collection: it is empty, and what goes in will be known.
    func created(_ collection: String) {
        let graceful = scenario.target.gracefulTime.swiftDuration
        shadows.withLock { $0[collection] = CollectionShadow(version: ($0[collection]?.version ?? 0) + 1, gracefulTime: graceful) }
    }

    func dropped(_ collection: String) {
        _ = shadows.withLock { $0.removeValue(forKey: collection) }
    }

    /// The tool can no longer tell what the collection holds (`reason` says why).
    func shadowLost(_ collection: String, _ reason: String) {
        shadows.withLock { all in
            guard all[collection] != nil, all[collection]?.lost == nil else { return }
            all[collection]!.lost = reason
            all[collection]!.version += 1
        }
    }

    /// A write source starts: its rows are those `generators` make from here. nil when the
    /// collection is not shadowed (not created by this run, already lost, or a key that is not int64).
    func beginWrites(_ collection: String, generators: [FieldValueGenerator], schema: CollectionSchema, write: String) -> Int32? {
        shadows.withLock { all -> Int32? in
            guard var s = all[collection], s.lost == nil else { return nil }
            guard let key = schema.primaryKey, key.type == .int64 else {
                s.lost = "the primary key '\(schema.primaryKey?.name ?? "?")' is not int64; the tool follows rows by int64 keys"
                all[collection] = s
                return nil
            }
            s.sources.append(CollectionShadow.Source(generators: generators, schema: schema, write: write))
            all[collection] = s
            return Int32(s.sources.count - 1)
        }
    }

    /// A batch of `count` rows, the source's next, is about to be sent (with these keys, when the
    /// rows carry them). Returns its first row.
    func sending(_ collection: String, source: Int32, count: Int, keys: [Int64]?) -> Int64 {
        shadows.withLock { all -> Int64 in
            guard var s = all[collection], Int(source) < s.sources.count else { return 0 }
            let first = Int64(s.sources[Int(source)].rows)
            s.sources[Int(source)].rows += count
            if let keys, let lo = keys.min(), let hi = keys.max() { s.inFlight.append(lo...hi) } else { s.inFlightUnkeyed += 1 }
            all[collection] = s
            return first
        }
    }

    /// The batch sent from `firstRow` (`count` rows, `sentKeys` as passed to `sending`) ended so.
    func wrote(_ collection: String, source: Int32, firstRow: Int64, count: Int, sentKeys: [Int64]?, _ outcome: WriteOutcome,
               at time: ContinuousClock.Instant = .now) {
        shadows.withLock { all in
            guard var s = all[collection], Int(source) < s.sources.count else { return }
            if let keys = sentKeys, let lo = keys.min(), let hi = keys.max() {
                if let i = s.inFlight.firstIndex(of: lo...hi) { s.inFlight.remove(at: i) }
            } else {
                s.inFlightUnkeyed = Swift.max(0, s.inFlightUnkeyed - 1)
            }
            if s.lost == nil, !KeyMap.fits(source: source, firstRow: firstRow, count: count) {
                s.lost = "more write sources or rows than the shadow maps (\(KeyMap.Range.maxSource + 1) sources of \(KeyMap.Range.maxRow + 1) rows)"
            }
            if s.lost == nil {
                switch outcome {
                case .acknowledged(let keys):
                    if keys.count == count {
                        s.keys.assign(keys: keys, source: source, firstRow: firstRow)
                        s.sources[Int(source)].acknowledge(firstRow, at: time)
                    } else {
                        s.lost = "the server acknowledged \(count) rows with \(keys.count) primary keys"
                    }
                case .refused:
                    break
                case .unknown(let keys?):
                    s.keys.assign(keys: keys, source: source, firstRow: firstRow, indeterminate: true)
                case .unknown(nil):
                    s.unkeyed += count
                }
            }
            s.version += 1
            all[collection] = s
        }
    }

    /// The server acknowledged deleting keys `lo ..< hi` (each range).
    func deleted(_ collection: String, _ ranges: [(lo: Int64, hi: Int64)], at time: ContinuousClock.Instant = .now) {
        shadows.withLock { all in
            guard var s = all[collection], s.lost == nil else { return }
            s.delete(ranges, at: time)
            all[collection] = s
        }
    }

    /// A delete of keys `lo ..< hi` got no answer: they may be gone or not.
    func deleteUnknown(_ collection: String, _ ranges: [(lo: Int64, hi: Int64)]) {
        shadows.withLock { all in
            guard var s = all[collection], s.lost == nil else { return }
            for r in ranges { s.keys.markIndeterminate(r.lo, r.hi) }
            s.version += 1
            all[collection] = s
        }
    }

    /// An audit read back what writes with an unknown outcome did: `stored` keys hold their
    /// rows, `notStored` keys hold nothing.
    func resolved(_ collection: String, stored: [Int64], notStored: [Int64]) {
        shadows.withLock { all in
            guard var s = all[collection], s.lost == nil, !(stored.isEmpty && notStored.isEmpty) else { return }
            for k in stored {
                if let e = s.keys.entry(k), e.indeterminate { s.keys.assign(keys: [k], source: e.source, firstRow: e.row) }
            }
            for r in keyRanges(notStored) { s.keys.remove(r.lo, r.hi) }
            s.version += 1
            all[collection] = s
        }
    }

    /// What the tool knows the collection holds; nil when it was not created by this run.
    func shadow(of collection: String) -> CollectionShadow? {
        shadows.withLock { $0[collection] }
    }
}

/// Runs of consecutive keys, as delete ranges.
func keyRanges(_ keys: [Int64]) -> [(lo: Int64, hi: Int64)] {
    let sorted = keys.sorted()
    var out: [(lo: Int64, hi: Int64)] = []
    for k in sorted {
        if let last = out.last, k < last.hi { continue }  // a key given twice
        if let last = out.last, last.hi == k { out[out.count - 1].hi = k + 1 } else { out.append((k, k + 1)) }
    }
    return out
}

/// Feeds one write source's batches to its collection's shadow: `sending` when a batch's rows
/// are made (in the order they are made), `finished` with the server's answer.
struct ShadowWriter: Sendable {
    struct Ticket: Sendable {
        var firstRow: Int64
        var count: Int
        var keys: [Int64]?
    }

    let context: RunContext
    let collection: String
    let source: Int32
    let schema: CollectionSchema

    /// nil when the collection is not shadowed.
    init?(_ context: RunContext, _ collection: String, generators: [FieldValueGenerator], schema: CollectionSchema, write: String) {
        guard let source = context.beginWrites(collection, generators: generators, schema: schema, write: write) else { return nil }
        self.context = context
        self.collection = collection
        self.source = source
        self.schema = schema
    }

    func sending(_ columns: [Column]) -> Ticket {
        let keys = columns.keys(schema)
        let count = columns.first.map { $0.valid?.count ?? $0.data.count } ?? 0
        return Ticket(firstRow: context.sending(collection, source: source, count: count, keys: keys), count: count, keys: keys)
    }

    func finished(_ ticket: Ticket, _ result: Result<InsertResult, any Error>) {
        let outcome: WriteOutcome
        switch result {
        case .success(let r): outcome = .acknowledged(r.ids)
        case .failure(let e): outcome = .failed(e, keys: ticket.keys)
        }
        context.wrote(collection, source: source, firstRow: ticket.firstRow, count: ticket.count, sentKeys: ticket.keys, outcome)
    }
}
