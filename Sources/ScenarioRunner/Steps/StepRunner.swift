import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Executes one kind of step. Runners put numbers into the record; they never format text.
///
/// A runner names the spec type it runs, so it gets that type, typed: no casts in runners, and
/// its record's metrics and details are the kind's own (`StepRecorder<Spec>`). The list of
/// runners is generated from `StepKinds.all` (the `StepKindRegistry` plugin): a kind without
/// its runner does not compile.
protocol StepRunner: Sendable {
    associatedtype Spec: RecordedStep
    init()
    /// Runs the step, writing metrics (only its kind's, by key path) and details into `record`.
    func run(_ spec: Spec, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<Spec>) async throws
    /// Gauges of the Prometheus endpoint that follow from a finished step of this kind
    /// (collection size, component health); most kinds have none.
    static func publish(_ record: StepRecord, to metrics: RunMetrics)
}

extension StepRunner {
    static func publish(_ record: StepRecord, to metrics: RunMetrics) {}

    static var specType: any StepSpec.Type { Spec.self }

    /// Runs a step of this runner's kind. The registry hands a step only to the runner keyed by
    /// its spec's type, so the spec is always a `Spec`.
    static func execute(_ step: Step, _ context: RunContext, _ record: inout StepRecord) async throws {
        guard let spec = step.spec as? Spec else {
            preconditionFailure("\(Self.self) runs \(Spec.self), was handed \(type(of: step.spec))")
        }
        var recorder = StepRecorder<Spec>(record)
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            // Every kind records its wall time; a runner that did not measure a narrower one
            // (e.g. the measured queries only) gets the whole call's, also when it failed.
            if recorder[\.totalTime] == nil { recorder[\.totalTime] = clock.now - start }
            record = recorder.finished
        }
        try await Self().run(spec, step, context, &recorder)
    }
}

/// The runner of every step kind, keyed by the kind's spec type (`all` is generated).
enum StepRunners {
    /// One kind's runner: compiles only when the runner runs that kind.
    static func entry<S, R: StepRunner>(_ spec: S.Type, _ runner: R.Type) -> any StepRunner.Type where R.Spec == S { runner }

    private static let bySpec: [ObjectIdentifier: any StepRunner.Type] =
        Dictionary(uniqueKeysWithValues: all.map { (ObjectIdentifier($0.specType), $0) })

    static func runner(for spec: any StepSpec) -> (any StepRunner.Type)? {
        bySpec[ObjectIdentifier(type(of: spec))]
    }

    static func runner(forKind kind: String) -> (any StepRunner.Type)? {
        all.first { $0.specType.kind == kind }
    }
}

/// Runs `body` and returns its result with its wall time.
func measured<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    return (result, clock.now - start)
}
