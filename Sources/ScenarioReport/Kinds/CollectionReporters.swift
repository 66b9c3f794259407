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
    /// The freshness table covers upserts too.
    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.freshness] }
}

extension TableBuilder {
    /// How soon streamed rows became visible (`freshness` on insert and upsert steps).
    var freshness: ReportTable {
        // Only insert and upsert steps record it.
        let writes = record.flatSteps.filter { ($0.step.metrics[FreshnessMetrics().samples.name] ?? 0) > 0 }
        let rows = writes.map { f -> [ReportTable.Cell] in
            let m = f.step.metrics
            return [.init(f.label, raw: f.step.id), .init(f.step.kind), Format.plain(m["rows"]), Format.plain(m["rowsPerSecond"]),
                    Format.plain(m[FreshnessMetrics().samples.name]), Format.ms(m[FreshnessMetrics().p50.name]), Format.ms(m[FreshnessMetrics().p99.name]),
                    Format.ms(m[FreshnessMetrics().max.name]), Format.plain(m[FreshnessMetrics().timeouts.name])]
        }
        var table = ReportTable(id: "freshness", title: l.pick("Freshness of written rows", "写入数据的可见延迟"),
                                columns: [.init(id: "step", header: l.step), .init(id: "kind", header: l.kind),
                                          .init(id: "rows", header: l.pick("Rows", "行数"), alignRight: true),
                                          .init(id: "rows_per_s", header: l.pick("Rows/s", "行/秒"), alignRight: true),
                                          .init(id: "probed", header: l.pick("Rows probed", "探测行数"), alignRight: true),
                                          .init(id: "p50_ms", header: l.p50, alignRight: true), .init(id: "p99_ms", header: l.p99, alignRight: true),
                                          .init(id: "max_ms", header: l.max, alignRight: true),
                                          .init(id: "not_found", header: l.pick("Not found in time", "超时未见"), alignRight: true)],
                                rows: rows)
        table.notes.append(l.pick("Time from a batch's acknowledgement until a query by primary key, at the collection's consistency level, found its last row (one row probed at a time, at most once per `freshness` interval).",
                                  "从一批数据写入确认到按主键查询（使用集合的一致性级别）能查到该批最后一行的时间（每次只探测一行，间隔不小于 `freshness`）。"))
        return table
    }
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
        if m[\.flushing.flushTime] != nil { text += ", flush+seal \(Format.number(((m[\.flushing.flushTime] ?? 0) + (m[\.flushing.sealTime] ?? 0)) / 1000)) s" }
        if let samples = m[\.freshness.samples], samples > 0 {
            text += "; visible after P50 \(Format.number(m[\.freshness.p50])) ms, P99 \(Format.number(m[\.freshness.p99])) ms, max \(Format.number(m[\.freshness.max])) ms (\(Format.number(samples)) rows probed"
                + ((m[\.freshness.timeouts] ?? 0) > 0 ? ", \(Format.number(m[\.freshness.timeouts])) not found in time)" : ")")
        }
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
