import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

// The steps that change rows in place: upsert and delete (insert is with the collection steps).

struct UpsertRunner: StepRunner {
    func run(_ spec: UpsertStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<UpsertStep>) async throws {
        try await writeRows(.upsert, spec.rows, step, context, &record)
    }
}

struct DeleteRunner: StepRunner {
    func run(_ spec: DeleteStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<DeleteStep>) async throws {
        let name = step.collection!
        let client = context.client
        let filters: [String]
        /// Each request's keys, deleting by key ranges.
        var ranges: [(lo: Int64, hi: Int64)] = []
        let matchedBefore: String
        switch spec.target {
        case .filter(let filter):
            filters = [filter]
            matchedBefore = filter
        case .ids(let first, let count, let batch):
            let schema = try await context.facts(name).schema
            guard let key = schema.fields.first(where: \.isPrimaryKey) else {
                throw MilvusError(rpc: "DescribeCollection", kind: .verificationFailed, reason: "'\(name)' has no primary key field")
            }
            let end = first + count
            ranges = stride(from: first, to: end, by: batch).map { (Int64($0), Int64(min(end, $0 + batch))) }
            filters = ranges.map { r in "\(key.name) in [" + (r.lo..<r.hi).map(String.init).joined(separator: ", ") + "]" }
            matchedBefore = "\(key.name) >= \(first) and \(key.name) < \(end)"
        }
        let clock = ContinuousClock()
        var deleted = 0, requests = 0
        var deleteTime = Duration.zero
        var lastReport = clock.now
        for (i, filter) in filters.enumerated() where !context.isStopping {
            let t0 = clock.now
            do {
                deleted += try await client.delete(name, filter: filter, timeout: spec.timeout?.swiftDuration)
            } catch {
                if !ranges.isEmpty, case .unknown = WriteOutcome.failed(error, keys: nil) { context.deleteUnknown(name, [ranges[i]]) }
                if case .filter(let f) = spec.target { Self.forget(f, in: name, context, unknown: true) }
                throw error
            }
            if !ranges.isEmpty { context.deleted(name, [ranges[i]]) }
            if case .filter(let f) = spec.target { Self.forget(f, in: name, context, unknown: false) }
            deleteTime += clock.now - t0
            requests += 1
            if clock.now - lastReport > .milliseconds(250) || requests == filters.count {
                context.progress.stepProgress(step, "\(requests) of \(filters.count) delete requests, \(deleted.formatted()) rows")
                lastReport = clock.now
            }
        }
        record[\.rows] = deleted
        record[\.requests] = requests
        record[\.deleteTime] = deleteTime
        record[\.rowsPerSecond] = deleteTime > .zero ? Double(deleted) / (deleteTime.milliseconds / 1000) : 0
        guard spec.verify, !context.isStopping else { return }
        // Strongly consistent, so every delete above is applied before the count.
        let left = try await client.query(QueryRequest(collection: name, filter: matchedBefore, outputFields: ["count(*)"], consistency: .strong,
                                                       timeout: spec.timeout?.swiftDuration))
        guard let remaining = left.count else {
            throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "count(*) answered without a count")
        }
        record[\.remaining] = remaining
        if remaining > 0 {
            throw MilvusError(rpc: "Query", kind: .verificationFailed,
                              reason: "after the delete, a strongly consistent count(*) still finds \(remaining) row\(remaining == 1 ? "" : "s") matching `\(matchedBefore)`")
        }
    }

    /// Takes the rows a delete filter matched out of the shadow (`unknown`: the delete got no
    /// answer, so they may be gone or not); a filter the tool cannot evaluate ends the shadow.
    static func forget(_ filter: String, in collection: String, _ context: RunContext, unknown: Bool) {
        guard let shadow = context.shadow(of: collection), shadow.lost == nil else { return }
        let reason: String?
        switch FilterExpression.parse(filter) {
        case .failure(let e): reason = "the delete filter `\(filter)` is not one the tool evaluates: \(e.description)"
        case .success(let f):
            if let why = shadow.cannotEvaluate(f.fields) {
                reason = "the delete filter `\(filter)`: \(why)"
            } else {
                do {
                    let keys = try shadow.matchingKeys(f)
                    let ranges = keyRanges(keys.definite + keys.indeterminate)
                    if unknown { context.deleteUnknown(collection, ranges) } else { context.deleted(collection, ranges) }
                    reason = nil
                } catch {
                    reason = "the rows could not be made again: \(error)"
                }
            }
        }
        if let reason { context.shadowLost(collection, reason) }
    }
}
