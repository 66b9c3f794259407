import Dispatch
import Foundation
import GroundTruth
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// How long after a write the server may still answer without it, by consistency level: none
/// under Strong; none under Session either, for the tool's own writes (every read at Session
/// sends the newest write timestamp of this process as its guarantee — `SessionTimestamps` —
/// and every write the shadow knows is the tool's); the server's graceful time
/// (`target.gracefulTime`, Milvus's `common.gracefulTime`, 5 s by default) under Bounded; any
/// under Eventually (nil) — for deletes, as long as the shadow remembers them (60 s).
/// `freshness` measures the same thing from the other side: how long after its acknowledgement
/// a row became visible at the step's level.
enum Staleness {
    static let gracefulTime: Duration = .seconds(5)

    static func bound(_ level: String?, gracefulTime: Duration = gracefulTime) -> Duration? {
        switch level?.lowercased() {
        case "strong", "session": return .zero
        case "eventually": return nil
        default: return gracefulTime
        }
    }

    /// Whether a change made at `time` may be missing from an answer to a request sent at `sent`.
    static func allows(_ time: ContinuousClock.Instant?, sent: ContinuousClock.Instant, bound: Duration?) -> Bool {
        guard let time else { return false }
        guard let bound else { return true }
        return time >= sent || sent - time < bound
    }
}

extension CollectionShadow {
    /// A key the shadow does not hold may still be in an answer: a write of it was in flight, or
    /// writes with server-assigned keys had no answer.
    func mayHoldUnknown(_ key: Int64) -> Bool {
        isInFlight(key) || inFlightUnkeyed > 0 || unkeyed > 0
    }

    /// The row a key holds may not be in an answer yet: its write had no answer, or was
    /// acknowledged within the staleness bound before the request.
    func isRecent(_ entry: KeyMap.Entry, sent: ContinuousClock.Instant, bound: Duration?) -> Bool {
        entry.indeterminate || Staleness.allows(sources[Int(entry.source)].acknowledgement(of: entry.row), sent: sent, bound: bound)
    }
}

/// Off the concurrency pool: making rows again is seconds of CPU on a large collection.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// The hits of recall's sample searches checked against the rows the collection holds now:
/// each hit's key must hold a row, the hit's vector must be that row's current vector, its other
/// output fields the row's values, and its score the distance the tool computes from the row's
/// vector and the query (within float32's tolerance).
struct HitCheck: Sendable {
    /// One hit, with the query vector it answered and the output field values it carried.
    struct Hit: Sendable {
        var hit: SearchHit
        var query: [Float]
        var fields: [String: FieldValue]
        /// When its search was sent, when not the `sent` of the whole check.
        var sent: ContinuousClock.Instant?
    }

    var resurrected = 0
    var wrongValues = 0
    var wrongScores = 0
    var indeterminate = 0
    var examples: [AnswerExample] = []
    /// The hits (indices into those checked) found wrong.
    var wrongHits: Set<Int> = []

    /// Wrong answers of every kind.
    var wrong: Int { resurrected + wrongValues + wrongScores }

    static func check(_ hits: [Hit], field: String, metric: DistanceMetric, shadow: CollectionShadow, sent: ContinuousClock.Instant,
                      consistency: String?) async throws -> HitCheck {
        let keys = Set(hits.compactMap { if case .int(let k) = $0.hit.id { k } else { nil } })
        let outputs = Set(hits.flatMap(\.fields.keys))
        let declared = Set(shadow.schema?.fields.map(\.name) ?? [])
        let read = shadow.fieldsRead(by: outputs.union([field]))
        let current = try await offPool { try shadow.values(of: keys, fields: read) }
        let bound = Staleness.bound(consistency, gracefulTime: shadow.gracefulTime)
        var out = HitCheck()
        for (index, h) in hits.enumerated() {
            guard case .int(let key) = h.hit.id else { continue }
            let sent = h.sent ?? sent
            func example(_ kind: String, _ key: Int64, field: String, expected: String, got: String) {
                out.wrongHits.insert(index)
                guard out.examples.filter({ $0.kind == kind }).count < 5 else { return }
                out.examples.append(AnswerExample(kind: kind, key: String(key), field: field, expected: expected, got: got))
            }
            guard let entry = shadow.keys.entry(key) else {
                let deletion = shadow.deletion(of: key)
                if Staleness.allows(deletion?.at, sent: sent, bound: bound) || shadow.mayHoldUnknown(key) {
                    out.indeterminate += 1
                } else {
                    out.resurrected += 1
                    example("resurrectedRows", key, field: field, expected: deletion == nil ? "no such row" : "deleted", got: "a hit")
                }
                continue
            }
            if shadow.isRecent(entry, sent: sent, bound: bound) {
                out.indeterminate += 1
                continue
            }
            guard let row = current[key] else { continue }
            if case .vector(let v)? = row[field], let got = h.hit.vector {
                if v != got {
                    out.resurrected += 1
                    example("resurrectedRows", key, field: field, expected: FieldValue.vector(v).description, got: FieldValue.vector(got).description)
                    continue
                }
                // The score the server gave is the metric on the row's vector and the query.
                let d = metric.distance(v, h.query)
                let expected = metric == .l2 ? d : -d
                if abs(Double(h.hit.score) - expected) > 1e-4 + 1e-3 * abs(expected) {
                    out.wrongScores += 1
                    example("wrongScores", key, field: "score", expected: String(format: "%.6g", expected), got: String(format: "%.6g", h.hit.score))
                }
            }
            for (name, got) in h.fields where name != field {
                let expected = declared.contains(name) ? row[name] : QueryCheck.dynamicValue(name, row["$meta"])
                let answer = declared.contains(name) ? got : QueryCheck.dynamicValue(name, h.fields["$meta"])
                guard let expected, let answer, !expected.matches(answer) else { continue }
                out.wrongValues += 1
                example("wrongValues", key, field: name, expected: expected.description, got: answer.description)
            }
        }
        return out
    }
}

/// One query's answer compared with the rows the tool knows the collection holds.
struct QueryCheck: Sendable {
    var details = QueryCheckDetails()

    /// `result` answered `request`, sent at `sent`; `shadow` is what the tool knew once the answer came.
    static func check(_ request: QueryRequest, _ result: QueryResult, filter: FilterExpression?, shadow: CollectionShadow,
                      sent: ContinuousClock.Instant) throws -> QueryCheckDetails {
        guard let schema = shadow.schema, let pk = schema.primaryKey else { return QueryCheckDetails() }
        let bound = Staleness.bound(request.consistency?.rawValue ?? "Bounded", gracefulTime: shadow.gracefulTime)
        var d = QueryCheckDetails(queries: 1, stalenessMs: bound?.milliseconds)
        func example(_ kind: String, _ key: String, field: String? = nil, expected: String? = nil, got: String? = nil) {
            guard d.examples.filter({ $0.kind == kind }).count < 5 else { return }
            d.examples.append(AnswerExample(kind: kind, key: key, field: field, expected: expected, got: got))
        }
        let counting = request.outputFields.contains("count(*)")
        // The fields compared: those asked for (all of them for "*"), not the key.
        var outputs = request.outputFields.filter { $0 != "count(*)" && $0 != pk.name }
        if outputs.contains("*") { outputs = schema.fields.filter { !$0.isPrimaryKey && !$0.isDynamic && !$0.isFunctionOutput }.map(\.name) }
        let declared = Set(schema.fields.map(\.name))
        let dynamicOutputs = outputs.filter { !declared.contains($0) }
        var returned: [Int64: Int] = [:]
        if !counting {
            guard let keys = result.values(of: pk.name) else {
                throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "the answer has no '\(pk.name)' column to check its rows by")
            }
            for (i, v) in keys.enumerated() { if case .int(let k) = v { returned[k] = i } }
            d.rows = keys.count
        }
        let got: [String: [FieldValue]] = Dictionary(uniqueKeysWithValues: outputs.filter { declared.contains($0) }.compactMap { f in result.values(of: f).map { (f, $0) } })
        let gotMeta = dynamicOutputs.isEmpty ? nil : result.values(of: "$meta")

        var seen: Set<Int64> = []
        var matched = 0, staleMatched = 0, indeterminateMatched = 0, staleMissing = 0
        var missing: [Int64] = []
        let read = shadow.fieldsRead(by: (filter?.fields ?? []).union(outputs))
        try shadow.forEachBlock(fields: read) { b in
            let decoded = b.columns.mapValues(\.values)
            for i in 0..<b.count {
                guard let key = b.keys[i] else { continue }
                let value = { (name: String) in CollectionShadow.filterValue(name, key: key, schema: schema, decoded: decoded, row: i) }
                let passes = filter?.matches(value) ?? true
                let recent = shadow.isRecent(KeyMap.Entry(source: Int32(b.source), row: b.firstRow + Int64(i), indeterminate: b.indeterminate[i]),
                                             sent: sent, bound: bound)
                if passes {
                    if b.indeterminate[i] { indeterminateMatched += 1 } else { matched += 1 }
                    if recent, !b.indeterminate[i] { staleMatched += 1 }
                }
                guard let at = returned[key] else {
                    if passes, !counting, !b.indeterminate[i] { if recent { staleMissing += 1 } else { missing.append(key) } }
                    continue
                }
                seen.insert(key)
                if b.indeterminate[i] {
                    d.indeterminateRows += 1
                    continue
                }
                if !passes {
                    if recent { d.staleRows += 1 } else {
                        d.wrongRows += 1
                        example("wrongRows", String(key), expected: "does not match the filter")
                    }
                    continue
                }
                for field in outputs {
                    let expected: FieldValue?
                    let answer: FieldValue?
                    if declared.contains(field) {
                        expected = decoded[field]?[i]
                        answer = got[field].flatMap { at < $0.count ? $0[at] : nil }
                    } else {
                        expected = Self.dynamicValue(field, decoded["$meta"]?[i])
                        answer = Self.dynamicValue(field, gotMeta.flatMap { at < $0.count ? $0[at] : nil })
                    }
                    guard let expected else { continue }
                    guard let answer else {
                        d.wrongValues += 1
                        example("wrongValues", String(key), field: field, expected: expected.description, got: "no value")
                        continue
                    }
                    if !expected.matches(answer) {
                        if recent { d.staleRows += 1 } else {
                            d.wrongValues += 1
                            example("wrongValues", String(key), field: field, expected: expected.description, got: answer.description)
                        }
                    }
                }
            }
        }
        if counting {
            guard let count = result.count else {
                throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "count(*) answered without a count")
            }
            d.rows = count
            // Between the rows the tool is sure of (less those the consistency level may still miss)
            // and all it might hold (with the unknown outcomes and the recent deletes).
            let recentDeletes = shadow.deletions.reversed().prefix { Staleness.allows($0.at, sent: sent, bound: bound) }.reduce(0) { $0 + $1.keys }
            let low = matched - staleMatched
            let high = matched + indeterminateMatched + recentDeletes + shadow.unkeyed + (shadow.inFlight.isEmpty && shadow.inFlightUnkeyed == 0 ? 0 : Int.max / 2)
            if count < low {
                d.missingRows += low - count
                example("missingRows", "count(*)", expected: "\(matched)", got: "\(count)")
            } else if count > high {
                d.extraRows += count - high
                example("extraRows", "count(*)", expected: "\(matched)", got: "\(count)")
            } else if count != matched {
                d.staleRows += abs(count - matched)
                d.indeterminateRows += min(indeterminateMatched, abs(count - matched))
            }
            return d
        }
        // Returned keys no row holds now.
        for key in returned.keys where !seen.contains(key) {
            let deletion = shadow.deletion(of: key)
            if Staleness.allows(deletion?.at, sent: sent, bound: bound) {
                d.staleRows += 1
            } else if shadow.mayHoldUnknown(key) {
                d.indeterminateRows += 1
            } else {
                d.extraRows += 1
                example("extraRows", String(key), expected: deletion == nil ? "no such row" : "deleted", got: "returned")
            }
        }
        // Missing rows: by key when the limit lets every match through, by number otherwise.
        let offset = request.offset ?? 0
        if offset == 0, request.limit.map({ $0 >= matched + indeterminateMatched }) ?? true {
            d.missingRows += missing.count
            for key in missing.prefix(5) { example("missingRows", String(key), expected: "matches the filter", got: "not returned") }
            d.staleRows += staleMissing
        } else {
            let want = min(request.limit ?? Int.max, max(0, matched - staleMatched - offset))
            if returned.count < want {
                d.missingRows += want - returned.count
                example("missingRows", "-", expected: "\(want) rows", got: "\(returned.count)")
            }
        }
        return d
    }

    /// A dynamic key's value inside a row's `$meta` document, as compact JSON.
    static func dynamicValue(_ key: String, _ meta: FieldValue?) -> FieldValue? {
        guard case .json(let text)? = meta,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        guard let v = object[key] else { return .null }
        guard let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) else { return nil }
        return .json(String(decoding: data, as: UTF8.self))
    }
}

extension QueryCheckDetails {
    /// Adds another query's check.
    mutating func add(_ o: QueryCheckDetails) {
        queries += o.queries
        rows += o.rows
        wrongRows += o.wrongRows
        missingRows += o.missingRows
        extraRows += o.extraRows
        wrongValues += o.wrongValues
        staleRows += o.staleRows
        indeterminateRows += o.indeterminateRows
        stalenessMs = o.stalenessMs
        for e in o.examples where examples.filter({ $0.kind == e.kind }).count < 5 && !examples.contains(e) { examples.append(e) }
    }
}
