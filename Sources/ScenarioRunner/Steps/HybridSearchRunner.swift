import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

struct HybridSearchRunner: StepRunner {
    func run(_ spec: HybridSearchStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<HybridSearchStep>) async throws {
        let collection = step.collection!
        var parts: [SearchTemplate] = []
        for part in spec.searches { parts.append(try await SearchTemplate(collection: collection, settings: part, context: context)) }
        let templates = parts
        // One pool per part; request i takes entry i of each, so the parts' queries stay paired.
        let pools = try templates.map { try $0.queryPool(size: 1024) }
        let ranker: Ranker
        switch spec.ranker {
        case .rrf(let k): ranker = .rrf(k: k)
        case .weighted(let w): ranker = .weighted(w)
        }
        let consistency = ConsistencyLevel(rawValue: spec.consistency.rawValue)
        let (limit, outputFields, timeout) = (spec.limit, spec.outputFields, spec.timeout?.swiftDuration)
        let client = context.client
        let hits = Atomic<Int>(0)
        let recorder = context.metrics?.queryRecorder(step: step.id, collection: collection)
        let driver = LoadDriver.forStep(spec.load.shape, context) { index in
            let searches = templates.indices.map { templates[$0].request(pools[$0][index % pools[$0].count]) }
            let request = HybridSearchRequest(collection: collection, searches: searches, ranker: ranker, limit: limit,
                                              outputFields: outputFields, consistency: consistency, timeout: timeout)
            let result = try await recorder.measure { try await client.hybridSearch(request) }
            hits.add(result.count, ordering: .relaxed)
        }
        let result = try await record.runLoad(driver, spec.load.plan, step, context, target: spec.load.target,
                                              warmedUp: { hits.store(0, ordering: .relaxed) }, timeline: spec.load.timeline)
        let queries = result.completed * spec.nq
        record[\.hitsPerQuery] = queries > 0 ? Double(hits.load(ordering: .relaxed)) / Double(queries) : nil
    }
}
