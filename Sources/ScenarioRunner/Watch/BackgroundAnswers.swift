import Foundation
import GroundTruth
import MilvusClient
import ScenarioRecord
import Synchronization

/// The answers of a watch's background searches, checked while the watch goes on: of the
/// searches that succeeded since the last check, a random sample of `perCheck` (reservoir
/// sampling, so every moment of the interval has the same chance) is kept with its hits, and at
/// the next check every kept hit is compared with the rows the tool knows the collection holds —
/// the key must hold a row, the score must be the metric on that row's current vector and the
/// query, the output fields the row's values (`HitCheck`, the check recall's sample gets). A hit
/// on a row written or deleted less than the staleness bound before its search was sent counts
/// as indeterminate, not wrong.
final class BackgroundAnswers: Sendable {
    /// One search kept for checking.
    struct Sample: Sendable {
        /// When it was sent, from the watch's start, and as an instant (for staleness).
        var sentAt: Duration
        var sent: ContinuousClock.Instant
        var hits: [HitCheck.Hit]
    }

    /// What a check found of one search.
    struct Checked: Sendable {
        var sentAt: Duration
        var hits: Int
        var wrong: Int
    }

    /// Searches kept per check interval.
    static let perCheck = 5

    let field: String
    let metric: DistanceMetric
    let consistency: String?
    let origin: ContinuousClock.Instant
    private let state = Mutex(State())

    private struct State {
        var pending: [Sample] = []
        /// Searches offered since the last check (the reservoir's count).
        var offered = 0
        var random = SystemRandomNumberGenerator()
        var checked: [Checked] = []
        var record = BackgroundAnswersRecord()
    }

    init(field: String, metric: DistanceMetric, consistency: String?, origin: ContinuousClock.Instant) {
        self.field = field
        self.metric = metric
        self.consistency = consistency
        self.origin = origin
    }

    /// A search that succeeded: kept when the reservoir draws it.
    func offer(_ request: SearchRequest, _ result: SearchResult, sent: ContinuousClock.Instant) {
        guard case .float(let queries) = request.input, result.hits.count == queries.count else { return }
        let slot: Int? = state.withLock { s in
            s.offered += 1
            if s.pending.count < Self.perCheck { return s.pending.count }
            let j = Int.random(in: 0..<s.offered, using: &s.random)
            return j < Self.perCheck ? j : nil
        }
        guard let slot else { return }
        let values = request.outputFields.compactMap { f in result.values(of: f).map { (f, $0) } }
        var hits: [HitCheck.Hit] = []
        for (i, list) in result.hits.enumerated() {
            for (j, hit) in list.enumerated() {
                var fields: [String: FieldValue] = [:]
                for (f, v) in values where i < v.count && j < v[i].count { fields[f] = v[i][j] }
                hits.append(HitCheck.Hit(hit: hit, query: queries[i], fields: fields, sent: sent))
            }
        }
        let sample = Sample(sentAt: sent - origin, sent: sent, hits: hits)
        state.withLock { s in
            if slot < s.pending.count { s.pending[slot] = sample } else { s.pending.append(sample) }
        }
    }

    /// Checks the searches kept since the last check against `shadow` (what the tool knows the
    /// collection holds now); returns the hits checked and how many were wrong.
    func check(_ shadow: CollectionShadow) async throws -> (hits: Int, wrong: Int) {
        let samples: [Sample] = state.withLock { s in
            defer { s.pending = []; s.offered = 0 }
            return s.pending
        }
        let hits = samples.flatMap(\.hits)
        guard !hits.isEmpty else { return (0, 0) }
        let found = try await HitCheck.check(hits, field: field, metric: metric, shadow: shadow, sent: .now, consistency: consistency)
        var checked: [Checked] = []
        var first = 0
        for sample in samples {
            let range = first..<(first + sample.hits.count)
            checked.append(Checked(sentAt: sample.sentAt, hits: sample.hits.count, wrong: found.wrongHits.filter { range.contains($0) }.count))
            first = range.upperBound
        }
        state.withLock { s in
            s.checked += checked
            s.record.searches += samples.count
            s.record.hits += hits.count
            s.record.wrongHits += found.wrongHits.count
            s.record.resurrected += found.resurrected
            s.record.wrongScores += found.wrongScores
            s.record.wrongValues += found.wrongValues
            s.record.indeterminate += found.indeterminate
            for e in found.examples where s.record.examples.filter({ $0.kind == e.kind }).count < 5 { s.record.examples.append(e) }
        }
        return (hits.count, found.wrongHits.count)
    }

    /// Everything checked so far.
    var record: BackgroundAnswersRecord { state.withLock { $0.record } }

    /// Wrong hits of the searches sent in `range` (from the watch's start); nil when none was checked.
    func wrongHits(sentIn range: Range<Duration>) -> Int? {
        let picked = state.withLock { $0.checked.filter { range.contains($0.sentAt) } }
        return picked.isEmpty ? nil : picked.reduce(0) { $0 + $1.wrong }
    }
}
