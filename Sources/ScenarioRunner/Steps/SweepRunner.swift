import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

struct SweepRunner: StepRunner {
    func run(_ spec: SweepStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<SweepStep>) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var rows: [SweepDetails.Row] = []
        for row in spec.rows {
            if context.isStopping { break }
            context.progress.note("\(step.id): \(spec.parameter) = \(row.value)")
            var sweepRow = SweepDetails.Row(value: row.value, status: .ok, reason: nil, qps: nil, avgMs: nil, p99Ms: nil, speedup: nil, steps: [])
            var stopRow = false
            for nested in row.steps {
                if stopRow || context.isStopping {
                    var skipped = StepRecord(path: nested.path, id: nested.id, kind: nested.kind, collection: nested.collection, startedAt: Date())
                    skipped.status = .skipped
                    sweepRow.steps.append(skipped)
                    continue
                }
                let nestedRecord = await StepExecution.execute(nested, context)
                sweepRow.steps.append(nestedRecord)
                switch nestedRecord.status {
                case .unsupported:
                    stopRow = true
                    sweepRow.status = .unsupported
                    let failure = nestedRecord.failure
                    sweepRow.reason = "not supported by this deployment: \(failure?.reason ?? "?")" + (failure?.hint.map { " (\($0))" } ?? "")
                case .failed:
                    stopRow = true
                    sweepRow.status = .failed
                    sweepRow.reason = nestedRecord.failure?.description
                case .ok, .skipped:
                    break
                }
            }
            if let search = sweepRow.steps.first(where: { StepKinds.type(named: $0.kind)?.measuresSearchLatency == true && $0.status == .ok }),
               let latency = StepKinds.type(named: search.kind)?.latencyMetrics {
                sweepRow.qps = search.metrics[latency.load.qps]
                sweepRow.avgMs = search.metrics[latency.load.avg.name]
                sweepRow.p99Ms = search.metrics[latency.load.p99.name]
            }
            rows.append(sweepRow)
            record.details.sweep = SweepDetails(parameter: spec.parameter, rows: rows)
            if sweepRow.status == .failed {
                throw SweepRowFailure(row: row.value, failure: sweepRow.steps.last?.failure)
            }
            if sweepRow.status == .unsupported, spec.onUnsupported == .abort {
                throw SweepRowFailure(row: row.value, failure: sweepRow.steps.last?.failure)
            }
        }
        // Speed-up against the first row that ran (the document's 性能提升: 基准, 1.8x, …).
        if let base = rows.first(where: { $0.qps != nil })?.qps, base > 0 {
            for i in rows.indices { rows[i].speedup = rows[i].qps.map { $0 / base } }
        }
        record.details.sweep = SweepDetails(parameter: spec.parameter, rows: rows)
        let measured = rows.filter { $0.qps != nil }
        record[\.values] = rows.count
        record[\.unsupported] = rows.filter { $0.status == .unsupported }.count
        record[\.bestQps] = measured.compactMap(\.qps).max()
        record[\.worstP99] = measured.compactMap(\.p99Ms).max().map { .milliseconds($0) }
        record[\.maxSpeedup] = rows.compactMap(\.speedup).max()
        record[\.lastSpeedup] = rows.last?.speedup
        let recalls = rows.compactMap { row in row.steps.first { $0.recall != nil && $0.status == .ok }?.metrics[QualityMetrics().recall.name] }
        record[\.bestRecall] = recalls.max()
        record[\.worstRecall] = recalls.min()
        record[\.totalTime] = clock.now - start
    }
}

/// A sweep row failed (or was unsupported with `onUnsupported: abort`).
struct SweepRowFailure: Error {
    var row: String
    var failure: StepFailure?
}
