import Foundation
import GroundTruth
import MilvusClient
import ScenarioRecord

/// Every row of a collection read back by key and compared with its shadow: which acknowledged
/// rows are gone, which deleted or never-written rows are there, which rows hold values their
/// last acknowledged write did not send (an upsert lost: the old row), and how each write with an
/// unknown outcome resolved.
///
/// The rows are read in windows of keys (`pk >= lo and pk < hi`, strongly consistent), planned
/// from the shadow's keys so each holds at most `perWindow` of them; a window whose answer fills
/// the server's result window (16,384 rows: more rows than planned, e.g. rows written behind the
/// tool's back) is halved and read again, so no row is left unread. Of each row only a 64-bit
/// hash of its compared fields is kept, so memory grows by ~40 bytes per row, not with the
/// vectors; examples are read again by key at the end.
struct RowAudit: Sendable {
    /// A window of keys: `lo ..< hi`; `lo == .min` and `hi == nil` leave that side open.
    struct Window: Sendable, Equatable {
        var lo: Int64
        var hi: Int64?
    }

    /// What the audit found, and the writes with an unknown outcome it resolved.
    struct Outcome: Sendable {
        var record: RowAuditRecord
        /// Keys of indeterminate rows the server stored / did not store.
        var stored: [Int64] = []
        var notStored: [Int64] = []
    }

    /// The server's largest answer (`quotaAndLimits.limits.maxQueryResultWindow` by default).
    static let readLimit = 16_384
    /// Keys planned per window: a quarter of the result window leaves room for rows the tool
    /// does not know of before a window has to be halved.
    static let perWindow = 4_096

    // MARK: - Planning

    /// Windows covering every int64 key, each holding at most `perWindow` of the shadow's keys.
    static func windows(_ keys: KeyMap, perWindow: Int = perWindow) -> [Window] {
        var cuts: [Int64] = []
        var held = 0
        keys.forEach { r in
            var lo = r.lo
            var n = r.count
            while held + n > perWindow {
                let take = perWindow - held
                lo += Int64(take)
                n -= take
                cuts.append(lo)
                held = 0
            }
            held += n
        }
        var out: [Window] = []
        var lo = Int64.min
        for cut in cuts where cut > lo {
            out.append(Window(lo: lo, hi: cut))
            lo = cut
        }
        out.append(Window(lo: lo, hi: nil))
        return out
    }

    /// The window's two halves; nil when it is one key.
    static func halves(_ w: Window) -> [Window]? {
        let hi = w.hi ?? .max
        let width = UInt64(bitPattern: hi &- w.lo)
        guard width > 1 else { return nil }
        let mid = w.lo &+ Int64(bitPattern: width / 2)
        return [Window(lo: w.lo, hi: mid), Window(lo: mid, hi: w.hi)]
    }

    /// The filter selecting the window's keys ("" for all of them: the server then needs a limit).
    static func filter(_ w: Window, key: String) -> String {
        var parts: [String] = []
        if w.lo != .min { parts.append("\(key) >= \(w.lo)") }
        if let hi = w.hi { parts.append("\(key) < \(hi)") }
        return parts.joined(separator: " and ")
    }

    /// The fields compared: every declared one but the key, a function's output (the server
    /// makes it), the dynamic field (its keys are the rows' own), and a field with a server-side
    /// default (the server stores the default for a null).
    static func fields(_ schema: CollectionSchema) -> [String] {
        schema.fields.filter { !$0.isPrimaryKey && !$0.isFunctionOutput && !$0.isDynamic && $0.defaultValue == nil }.map(\.name)
    }

    // MARK: - Comparing

    /// A row's compared values as one 64-bit FNV-1a hash: floats by their bits (the server keeps
    /// them as sent), JSON documents in canonical form (the server may space them otherwise).
    static func hash(_ values: [FieldValue]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func byte(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0100_0000_01b3 }
        func word(_ w: UInt64) { for s in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: w >> UInt64(s))) } }
        func bytes<S: Sequence>(_ s: S) where S.Element == UInt8 { for b in s { byte(b) } }
        func add(_ v: FieldValue) {
            switch v {
            case .null: byte(0)
            case .bool(let b): byte(1); byte(b ? 1 : 0)
            case .int(let i): byte(2); word(UInt64(bitPattern: i))
            case .float(let f): byte(3); word(UInt64(f.bitPattern))
            case .double(let d): byte(4); word(d.bitPattern)
            case .text(let s): byte(5); word(UInt64(s.utf8.count)); bytes(s.utf8)
            case .json(let s):
                byte(6)
                if let c = FieldValue.canonicalJSON(s) { bytes(c) } else { bytes(s.utf8) }
            case .array(let a): byte(7); word(UInt64(a.count)); a.forEach(add)
            case .vector(let v): byte(8); word(UInt64(v.count)); for f in v { word(UInt64(f.bitPattern)) }
            case .bytes(let b): byte(9); word(UInt64(b.count)); bytes(b)
            case .sparse(let s):
                byte(10)
                word(UInt64(s.indices.count))
                for (i, f) in zip(s.indices, s.values) { word(UInt64(i)); word(UInt64(f.bitPattern)) }
            }
            byte(0xff)
        }
        values.forEach(add)
        return h
    }

    /// Compares the rows read back (`server`: key → hash of `fields`) with the shadow. Keys
    /// for examples are gathered per kind; their values are filled in by `describe`.
    static func compare(server: [Int64: UInt64], shadow: CollectionShadow, fields: [String]) throws -> (Outcome, examples: [(kind: String, key: Int64)]) {
        var server = server
        var out = Outcome(record: RowAuditRecord(rows: server.count, expectedRows: shadow.rows, fields: fields))
        var examples: [(kind: String, key: Int64)] = []
        func example(_ kind: String, _ key: Int64) {
            if examples.filter({ $0.kind == kind }).count < 5 { examples.append((kind, key)) }
        }
        try shadow.forEachBlock(fields: Set(fields)) { b in
            var decoded: [[FieldValue]]?
            func rowHash(_ i: Int) -> UInt64 {
                if decoded == nil { decoded = fields.map { b.columns[$0]?.values ?? [] } }
                return hash(decoded!.map { i < $0.count ? $0[i] : .null })
            }
            for i in 0..<b.count {
                guard let key = b.keys[i] else { continue }
                let got = server.removeValue(forKey: key)
                if b.indeterminate[i] {
                    if let got, got == rowHash(i) { out.stored.append(key) } else {
                        // Not there, or there with what it held before: the write did not happen.
                        if got == nil { out.notStored.append(key) }
                        out.record.indeterminateNotStored += 1
                    }
                    continue
                }
                guard let got else {
                    out.record.lost += 1
                    example("lostRows", key)
                    continue
                }
                guard got != rowHash(i) else { continue }
                if shadow.sources[b.source].write == "upsert" {
                    out.record.upsertsLost += 1
                    example("upsertsLost", key)
                } else {
                    out.record.wrongValues += 1
                    example("wrongValues", key)
                }
            }
        }
        out.record.indeterminateStored = out.stored.count
        // What is left was never acknowledged: rows of writes with server-assigned keys and an
        // unknown outcome first, the rest are back (deleted) or never written.
        var unkeyed = shadow.unkeyed
        for key in server.keys.sorted() {
            if unkeyed > 0 {
                unkeyed -= 1
                out.record.indeterminateStored += 1
            } else {
                out.record.back += 1
                example("rowsBack", key)
            }
        }
        out.record.indeterminateNotStored += unkeyed
        return (out, examples)
    }

    // MARK: - Against the server

    /// Reads every row of `collection` and compares it with `shadow` (which must have a schema).
    static func run(_ collection: String, shadow: CollectionShadow, client: MilvusClient,
                    progress: @Sendable (String) -> Void) async throws -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        guard let schema = shadow.schema, let key = schema.primaryKey else {
            throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "the collection's schema is not known")
        }
        let fields = Self.fields(schema)
        var pending = windows(shadow.keys)
        let planned = pending.count
        var server: [Int64: UInt64] = [:]
        server.reserveCapacity(shadow.rows)
        var queries = 0
        while let w = pending.popLast() {
            let result = try await client.query(QueryRequest(collection: collection, filter: filter(w, key: key.name), outputFields: [key.name] + fields,
                                                             limit: readLimit, consistency: .strong))
            queries += 1
            if result.rows >= readLimit, let halves = halves(w) {
                pending.append(contentsOf: halves)
                continue
            }
            guard let keys = result.values(of: key.name) else {
                throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "the answer has no '\(key.name)' column")
            }
            let columns = fields.map { result.values(of: $0) ?? [] }
            for (i, k) in keys.enumerated() {
                guard case .int(let k) = k else { continue }
                server[k] = hash(columns.map { i < $0.count ? $0[i] : .null })
            }
            if queries % 25 == 0 { progress("audit: \(server.count) rows read (\(queries) of ≥ \(planned) windows)") }
        }
        let snapshot = server
        var (outcome, examples) = try await offPool { try compare(server: snapshot, shadow: shadow, fields: fields) }
        outcome.record.queries = queries
        outcome.record.examples = try await describe(examples, collection, key: key.name, fields: fields, shadow: shadow, client: client)
        outcome.record.queries += examples.isEmpty ? 0 : 1
        outcome.record.durationMs = (clock.now - started).milliseconds
        return outcome
    }

    /// The examples in words: each key's first field that differs, with what the shadow holds
    /// and what the server answered.
    static func describe(_ examples: [(kind: String, key: Int64)], _ collection: String, key: String, fields: [String],
                         shadow: CollectionShadow, client: MilvusClient) async throws -> [AnswerExample] {
        guard !examples.isEmpty else { return [] }
        let keys = Array(Set(examples.map(\.key))).sorted()
        let result = try await client.query(QueryRequest(collection: collection, filter: "\(key) in [\(keys.map(String.init).joined(separator: ", "))]",
                                                         outputFields: [key] + fields, limit: keys.count, consistency: .strong))
        var got: [Int64: [String: FieldValue]] = [:]
        if let ids = result.values(of: key) {
            for (i, id) in ids.enumerated() {
                guard case .int(let k) = id else { continue }
                got[k] = Dictionary(uniqueKeysWithValues: fields.compactMap { f in result.values(of: f).flatMap { i < $0.count ? (f, $0[i]) : nil } })
            }
        }
        let wanted = Set(keys)
        let expected = try await offPool { try shadow.values(of: wanted, fields: Set(fields)) }
        return examples.map { e in
            switch e.kind {
            case "lostRows":
                let source = shadow.keys.entry(e.key).map { shadow.sources[Int($0.source)].write } ?? "a write"
                return AnswerExample(kind: e.kind, key: String(e.key), expected: "the row of an acknowledged \(source)", got: got[e.key] == nil ? "no row" : "a row")
            case "rowsBack":
                let was = shadow.deletion(of: e.key) == nil ? "no row (deleted, or never written)" : "no row (deleted)"
                let first = fields.first.flatMap { f in got[e.key]?[f].map { "\(f) = \($0.description)" } } ?? "a row"
                return AnswerExample(kind: e.kind, key: String(e.key), expected: was, got: first)
            default:
                let row = expected[e.key] ?? [:], answer = got[e.key] ?? [:]
                let field = fields.first { f in
                    guard let x = row[f] else { return false }
                    return answer[f].map { !x.matches($0) } ?? true
                }
                return AnswerExample(kind: e.kind, key: String(e.key), field: field, expected: field.flatMap { row[$0]?.description },
                                     got: field.map { answer[$0]?.description ?? "no value" })
            }
        }
    }
}
