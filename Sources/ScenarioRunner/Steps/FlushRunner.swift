import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// `flush`: Flush, then (with `wait`) GetFlushState until the sealed segments are persisted and
/// every index has caught up; then the persisted segments and their rows, when the server
/// reports them (milvus-lite does not).
struct FlushRunner: StepRunner {
    func run(_ spec: FlushStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<FlushStep>) async throws {
        let name = step.collection!
        let clock = ContinuousClock()
        let start = clock.now
        if spec.wait {
            context.progress.stepProgress(step, "flushing \(name) and waiting until its segments are persisted")
            let timings = try await context.client.flushAndWait(name, timeout: spec.timeout.swiftDuration)
            record[\.flushTime] = timings.flush
            record[\.sealTime] = timings.seal + timings.index
        } else {
            _ = try await context.client.flush(name)
            record[\.flushTime] = clock.now - start
        }
        record[\.totalTime] = clock.now - start
        do {
            let segments = try await context.client.persistentSegments(name)
            record[\.segments] = segments.count
            record[\.rows] = segments.reduce(0) { $0 + $1.rows }
        } catch let error as MilvusError where error.isNotSupported {
            // The server keeps no segment list to ask (milvus-lite): the metrics stay unmeasured.
        }
    }
}
