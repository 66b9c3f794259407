import Foundation
import ScenarioRecord
import ScenarioSpec

// The steps that make and change a collection: create, insert, index, load, release, drop.

struct CreateReporter: StepReporter {
    typealias Spec = CreateStep
}

struct InsertReporter: StepReporter {
    typealias Spec = InsertStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: InsertStep.self)
        return l.pick("\(Format.number(m[\.rows])) rows, \(Format.number(m[\.rowsPerSecond])) rows/s",
                      "\(Format.number(m[\.rows])) 行，\(Format.number(m[\.rowsPerSecond])) 行/秒")
    }

    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: InsertStep.self)
        var text = " \(Format.number(m[\.rows])) rows, \(Format.number(m[\.rowsPerSecond])) rows/s"
        if m[\.flushTime] != nil { text += ", flush+seal \(Format.number(((m[\.flushTime] ?? 0) + (m[\.sealTime] ?? 0)) / 1000)) s" }
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
