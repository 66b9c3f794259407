import Foundation
import ScenarioRecord
import ScenarioSpec

// The steps that make and change a collection: create, insert, index, load, release, drop.

struct CreateReporter: StepReporter {
    typealias Spec = CreateStep
}

struct InsertReporter: StepReporter {
    typealias Spec = InsertStep
    static func brief(_ s: StepRecord, _ l: Labels) -> String { RowWriteLines.brief(s, l, as: Spec.self) }
    static func summary(_ s: StepRecord) -> String { RowWriteLines.summary(s, as: Spec.self) }
}

struct UpsertReporter: StepReporter {
    typealias Spec = UpsertStep
    static func brief(_ s: StepRecord, _ l: Labels) -> String { RowWriteLines.brief(s, l, as: Spec.self) }
    static func summary(_ s: StepRecord) -> String { RowWriteLines.summary(s, as: Spec.self) }
}

/// The lines of the steps that write generated rows (insert, upsert).
enum RowWriteLines {
    static func brief<S: StepSpec>(_ s: StepRecord, _ l: Labels, as kind: S.Type) -> String where S.Metrics: RowWriteMetrics {
        let m = s.metrics(of: kind)
        return l.pick("\(Format.number(m[\.rows])) rows, \(Format.number(m[\.rowsPerSecond])) rows/s",
                      "\(Format.number(m[\.rows])) 行，\(Format.number(m[\.rowsPerSecond])) 行/秒")
    }

    static func summary<S: StepSpec>(_ s: StepRecord, as kind: S.Type) -> String where S.Metrics: RowWriteMetrics {
        let m = s.metrics(of: kind)
        var text = " \(Format.number(m[\.rows])) rows, \(Format.number(m[\.rowsPerSecond])) rows/s"
        if m[\.flushTime] != nil { text += ", flush+seal \(Format.number(((m[\.flushTime] ?? 0) + (m[\.sealTime] ?? 0)) / 1000)) s" }
        return text
    }
}

struct DeleteReporter: StepReporter {
    typealias Spec = DeleteStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: Spec.self)
        let requests = m[\.requests] ?? 0
        return l.pick("\(Format.number(m[\.rows])) rows deleted in \(Format.number(requests)) request\(requests == 1 ? "" : "s")",
                      "删除 \(Format.number(m[\.rows])) 行，\(Format.number(m[\.requests])) 个请求")
    }

    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: Spec.self)
        let requests = m[\.requests] ?? 0
        var text = " \(Format.number(m[\.rows])) rows deleted in \(Format.number(requests)) request\(requests == 1 ? "" : "s"), \(Format.number(m[\.rowsPerSecond])) rows/s"
        if let left = m[\.remaining] { text += ", \(Format.number(left)) left (count(*), strong)" }
        return text
    }
}

struct IndexReporter: StepReporter {
    typealias Spec = IndexStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        s.metrics(of: IndexStep.self)[\.indexedRows].map { l.pick("\(Format.number($0)) rows indexed", "已索引 \(Format.number($0)) 行") } ?? ""
    }
}

struct LoadReporter: StepReporter {
    typealias Spec = LoadStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        s.metrics(of: LoadStep.self)[\.replicas].map { l.pick("\(Format.number($0)) replica group\($0 == 1 ? "" : "s")", "\(Format.number($0)) 个副本组") } ?? ""
    }

    static func summary(_ s: StepRecord) -> String {
        " \(Format.number(s.metrics(of: LoadStep.self)[\.replicas])) replica group(s) in \(Format.number((s.metrics(of: LoadStep.self)[\.totalTime] ?? 0) / 1000)) s"
    }
}

struct ReleaseReporter: StepReporter {
    typealias Spec = ReleaseStep
}

struct DropReporter: StepReporter {
    typealias Spec = DropStep
}
