import Foundation
import ScenarioSpec

/// What a step kind records beyond its metrics and notes: one value per step. Its coding keys
/// are keys of the step's own JSON object (`search`, `watch`, …), beside the fields every step
/// has, so a kind's details read as part of the step in `run.json`.
public protocol StepDetails: Codable, Sendable {
    /// Nothing recorded yet: a runner fills it in as the step goes.
    init()
    /// The steps this one ran inside it, grouped as they ran (a sweep's rows, a parallel's steps).
    var nestedGroups: [NestedSteps] { get }
    /// Changes every step this one ran inside it (reading an older format).
    mutating func updateNestedSteps(_ change: (inout [StepRecord]) -> Void)
    /// The latency histograms the step keeps, by the prefix of the metrics read from them: ""
    /// for the load's own (`p99`), "hot" and "cold" for a hot search's (`hot.p99`).
    var latencyHistograms: [String: EncodedHistogram] { get }
}

extension StepDetails {
    public var nestedGroups: [NestedSteps] { [] }
    public mutating func updateNestedSteps(_ change: (inout [StepRecord]) -> Void) {}
    public var latencyHistograms: [String: EncodedHistogram] { [:] }
}

/// Steps one step ran inside it: once each side by side (a `parallel`'s, which stand as steps of
/// their own), or once per value of a sweep's parameter (a row).
public struct NestedSteps: Sendable {
    /// The sweep row's parameter and value; nil for steps that ran once.
    public var row: (parameter: String, value: String)?
    public var steps: [StepRecord]

    public init(row: (parameter: String, value: String)? = nil, steps: [StepRecord]) {
        self.row = row
        self.steps = steps
    }

    /// How `compare` and `regressions:` name a nested step: its id, or in a sweep row
    /// `<sweep>[<value>].<id>`.
    public func key(_ nested: StepRecord, in parent: StepRecord) -> String {
        row.map { "\(parent.id)[\($0.value)].\(nested.id)" } ?? nested.id
    }

    /// How reports label it: "search (replicas=2)" in a sweep row, else its id.
    public var rowLabel: String? { row.map { "\($0.parameter)=\($0.value)" } }
}

/// The details of a kind that records nothing beyond its metrics.
public struct NoDetails: StepDetails, Equatable {
    public init() {}
}

/// A step kind's record: its spec type names the details its steps keep. Each kind declares
/// this in its own file under `Sources/ScenarioRecord/Kinds/`; the record's list of kinds is
/// generated from `StepKinds.all` (the `StepKindRegistry` plugin), so a kind without it does
/// not compile.
public protocol RecordedStep: StepSpec {
    associatedtype Details: StepDetails
    /// The note codes only this kind records (declared in its file; see `StepNote.Code`).
    static var noteCodes: [StepNote.Code] { get }
}

extension RecordedStep {
    public static var noteCodes: [StepNote.Code] { [] }
}

/// Which details type each kind of this build records, by kind name: how `run.json` is read.
public struct StepDetailsCatalog: Sendable {
    typealias Entry = (kind: String, type: any StepDetails.Type, notes: [StepNote.Code])
    private let types: [String: any StepDetails.Type]
    /// The note codes the kinds record, in the kinds' order.
    let noteCodes: [StepNote.Code]

    init(_ entries: [Entry]) {
        types = Dictionary(entries.map { ($0.kind, $0.type) }, uniquingKeysWith: { first, _ in first })
        noteCodes = entries.flatMap(\.notes)
    }

    /// One kind's entry (what the generated list is made of).
    static func entry<S: RecordedStep>(_ spec: S.Type) -> Entry { (S.kind, S.Details.self, S.noteCodes) }

    /// The details type of a kind; nil for a kind this build does not know (a newer record).
    public func type(ofKind kind: String) -> (any StepDetails.Type)? { types[kind] }

    /// Every kind of this build (generated from `StepKinds.all`).
    public static let thisBuild = StepDetailsCatalog(generatedEntries)
}

// MARK: - What several kinds record alike

/// A request load's outcome (searches, hybrid searches, scalar queries): its latency histogram
/// and failures. The query-performance table, `compare` and `merge` read it whatever the kind.
public protocol RequestLoadDetails: StepDetails {
    var search: SearchDetails? { get set }
}

extension RequestLoadDetails {
    public var latencyHistograms: [String: EncodedHistogram] { search.map { ["": $0.latency] } ?? [:] }
}

/// Which query node served how much during the load, from the nodes' own counters.
public protocol NodeTrafficRecording: StepDetails {
    var traffic: NodeTrafficDetails? { get set }
}

/// Recall scored on a sample of the step's searches.
public protocol RecallRecording: StepDetails {
    var recall: RecallDetails? { get set }
}

extension StepRecord {
    /// This step's details as its kind's type; nil when the step is of another kind or has none.
    public func details<S: RecordedStep>(of kind: S.Type) -> S.Details? {
        self.kind == S.kind ? details as? S.Details : nil
    }

    /// Changes this step's details as its kind's type (nothing happens for a step of another kind).
    public mutating func updateDetails<S: RecordedStep>(of kind: S.Type, _ change: (inout S.Details) -> Void) {
        guard self.kind == S.kind else { return }
        var d = (details as? S.Details) ?? S.Details()
        change(&d)
        details = d
    }

    /// The steps this one ran inside it, grouped as they ran.
    public var nestedGroups: [NestedSteps] { details?.nestedGroups ?? [] }

    /// This step and the steps it ran inside it once each (a `parallel`'s): what thresholds may name.
    public var withStepsRunOnce: [StepRecord] { [self] + nestedGroups.filter { $0.row == nil }.flatMap(\.steps) }

    /// A request load's latency histogram and failures, whatever the kind; nil for other kinds.
    public var search: SearchDetails? {
        get { (details as? any RequestLoadDetails)?.search }
        set {
            guard var d = details as? any RequestLoadDetails else { return }
            d.search = newValue
            details = d
        }
    }

    /// Per-node search traffic during the step, for the kinds that measure it.
    public var traffic: NodeTrafficDetails? { (details as? any NodeTrafficRecording)?.traffic }

    /// Recall on a sample of the step's searches, for the kinds that score it.
    public var recall: RecallDetails? { (details as? any RecallRecording)?.recall }
}
