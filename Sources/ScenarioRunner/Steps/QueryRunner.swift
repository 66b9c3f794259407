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
                                              warmedUp: { rows.store(0, ordering: .relaxed) }, timeline: spec.load.timeline)
        let returned = rows.load(ordering: .relaxed)
        record[\.rows] = returned
        record[\.rowsPerQuery] = result.completed > 0 ? Double(returned) / Double(result.completed) : nil
        if let verify = spec.verify, !context.isStopping {
            try await Self.verify(verify, request, step, context, &record)
        }
    }

    /// Sends the query `setting.queries` more times and compares each answer with the rows the
    /// tool knows the collection holds.
    static func verify(_ setting: VerifySetting, _ request: QueryRequest, _ step: Step, _ context: RunContext,
                       _ record: inout StepRecorder<QueryStep>) async throws {
        func leaveOut(_ note: StepNote) {
            record.notes.append(note)
            record.leaveOut(\.answers.checked, \.answers.wrongRows, \.answers.missingRows, \.answers.extraRows, \.answers.wrongValues,
                            \.answers.staleRows, \.answers.indeterminateRows, because: note.description)
        }
        let collection = request.collection
        guard let first = context.shadow(of: collection), first.lost == nil, first.schema != nil else {
            let reason = context.shadow(of: collection)?.lost ?? "not created and filled by this scenario"
            leaveOut(StepNote(.verifyUnknownRows, ["collection": collection, "reason": reason]))
            return
        }
        let filter: FilterExpression?
        if request.filter.trimmingCharacters(in: .whitespaces).isEmpty {
            filter = nil
        } else {
            filter = try FilterExpression.parse(request.filter).get()
            if let why = first.cannotEvaluate(filter!.fields) {
                leaveOut(StepNote(.verifyUnknownRows, ["collection": collection, "reason": "the filter: \(why)"]))
                return
            }
        }
        var total = QueryCheckDetails()
        for i in 0..<setting.queries where !context.isStopping {
            context.progress.stepProgress(step, "verify: checking answer \(i + 1) of \(setting.queries)")
            let sent = ContinuousClock.now
            let result = try await context.client.query(request)
            guard let shadow = context.shadow(of: collection), shadow.lost == nil else { break }
            let d = try await offPool { try QueryCheck.check(request, result, filter: filter, shadow: shadow, sent: sent) }
            total.add(d)
        }
        record.details.answers = total
        record[\.answers.checked] = total.queries
        record[\.answers.wrongRows] = total.wrongRows
        record[\.answers.missingRows] = total.missingRows
        record[\.answers.extraRows] = total.extraRows
        record[\.answers.wrongValues] = total.wrongValues
        record[\.answers.staleRows] = total.staleRows
        record[\.answers.indeterminateRows] = total.indeterminateRows
        if total.wrong > 0 {
            record.notes.append(.wrongAnswers(total.wrong, total.examples))
        }
    }
}
