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
        // Whatever happened, the collection no longer holds what the insert steps made.
        defer { context.rewritten(name) }
        let filters: [String]
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
            filters = stride(from: first, to: end, by: batch).map { start in
                "\(key.name) in [" + (start..<min(end, start + batch)).map(String.init).joined(separator: ", ") + "]"
            }
            matchedBefore = "\(key.name) >= \(first) and \(key.name) < \(end)"
        }
        let clock = ContinuousClock()
        var deleted = 0, requests = 0
        var deleteTime = Duration.zero
        var lastReport = clock.now
        for filter in filters where !context.isStopping {
            let t0 = clock.now
            deleted += try await client.delete(name, filter: filter, timeout: spec.timeout?.swiftDuration)
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
}
