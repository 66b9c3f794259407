import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

struct QueryRunner: StepRunner {
    func run(_ spec: QueryStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<QueryStep>) async throws {
        let request = QueryRequest(collection: step.collection!, filter: spec.filter, outputFields: spec.outputFields, limit: spec.limit,
                                   offset: spec.offset, consistency: ConsistencyLevel(rawValue: spec.consistency.rawValue),
                                   timeout: spec.timeout?.swiftDuration)
        let client = context.client
        let rows = Atomic<Int>(0)
        let expected = spec.expectRows
        let driver = LoadDriver.forStep(spec.load.shape, context) { _ in
            let result = try await client.query(request)
            let n = result.count ?? result.rows
            if let expected, n != expected {
                throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "returned \(n) rows, expected \(expected) (expectRows)")
            }
            rows.add(n, ordering: .relaxed)
        }
        let result = try await record.runLoad(driver, spec.load.plan, step, context, target: spec.load.target,
                                              warmedUp: { rows.store(0, ordering: .relaxed) })
        let returned = rows.load(ordering: .relaxed)
        record[\.rows] = returned
        record[\.rowsPerQuery] = result.completed > 0 ? Double(returned) / Double(result.completed) : nil
    }
}
