import ScenarioSpec

/// `flush` records its metrics only.
extension FlushStep: RecordedStep { public typealias Details = NoDetails }
