import ScenarioSpec

// The steps that set a collection up, change its rows or take it down record their metrics only
// (an insert's per-request rates are the step's `rates`).

extension CreateStep: RecordedStep { public typealias Details = NoDetails }
extension InsertStep: RecordedStep { public typealias Details = NoDetails }
extension UpsertStep: RecordedStep { public typealias Details = NoDetails }
extension DeleteStep: RecordedStep { public typealias Details = NoDetails }
extension IndexStep: RecordedStep { public typealias Details = NoDetails }
extension LoadStep: RecordedStep { public typealias Details = NoDetails }
extension ReleaseStep: RecordedStep { public typealias Details = NoDetails }
extension DropStep: RecordedStep { public typealias Details = NoDetails }
