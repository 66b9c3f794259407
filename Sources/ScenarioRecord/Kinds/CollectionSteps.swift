import ScenarioSpec

// The steps that set a collection up, change its rows or take it down record their metrics only
// (an insert's per-request rates are the step's `rates`).

extension CreateStep: RecordedStep {
    public typealias Details = NoDetails
    public static var noteCodes: [StepNote.Code] { [.recreated] }
}
extension InsertStep: RecordedStep { public typealias Details = NoDetails }
extension UpsertStep: RecordedStep { public typealias Details = NoDetails }
extension DeleteStep: RecordedStep { public typealias Details = NoDetails }
extension IndexStep: RecordedStep { public typealias Details = NoDetails }
extension LoadStep: RecordedStep {
    public typealias Details = NoDetails
    public static var noteCodes: [StepNote.Code] { [.replicaGroups] }
}
extension ReleaseStep: RecordedStep { public typealias Details = NoDetails }
extension DropStep: RecordedStep { public typealias Details = NoDetails }

// MARK: - Notes

extension StepNote.Code {
    /// `create` with `recreate: true` dropped an existing collection. Values: collection.
    public static let recreated = StepNote.Code("recreated",
        en: "dropped the existing collection '{collection}' first (recreate: true)",
        zh: "已先删除已有的集合 '{collection}'（recreate: true）")

    /// Which query nodes serve each replica group after `load`. Values: groups ("[1, 2] [3]").
    public static let replicaGroups = StepNote.Code("replicaGroups",
        en: "replica groups on query nodes: {groups}",
        zh: "各副本组所在的查询节点：{groups}")
}
