import Foundation
import ScenarioRecord
import ScenarioSpec

/// Right answers (结果正确性): what `query`'s `verify` and recall's hit check found, step by step,
/// and the wrong answers themselves, by key.
extension TableBuilder {
    /// Steps whose answers were checked: queries with `verify`, searches whose recall sample's
    /// hits were checked.
    var answerChecks: [(step: FlatStep, queries: QueryCheckDetails?, recall: RecallDetails?)] {
        record.flatSteps.compactMap { f in
            let answers = (f.step.details as? QueryStepDetails)?.answers
            let recall = f.step.recall.flatMap { $0.hitsChecked == nil ? nil : $0 }
            return answers == nil && recall == nil ? nil : (f, answers, recall)
        }
    }

    var answers: ReportTable {
        let rows = answerChecks.map { c -> [ReportTable.Cell] in
            let q = c.queries
            let n = { (v: Int?) in Format.plain(v.map(Double.init)) }
            return [.init(c.step.label, raw: c.step.step.id), .init(c.step.row ?? "", raw: c.step.row ?? ""),
                    n(q?.queries ?? c.recall?.queries), n(q?.rows ?? c.recall?.hitsChecked),
                    n(q?.wrongRows), n(q?.missingRows), n(q?.extraRows),
                    n(q?.wrongValues ?? c.recall.map { ($0.wrongValues ?? 0) + ($0.wrongScores ?? 0) }), n(c.recall?.resurrected),
                    n(q?.staleRows), n(q.map(\.indeterminateRows) ?? c.recall?.indeterminateHits),
                    .init(q.map { d in d.stalenessMs.map { Format.number($0 / 1000) + " s" } ?? "∞" } ?? "—", raw: q?.stalenessMs.map(Format.raw) ?? "")]
        }
        var table = ReportTable(id: "answers", title: l.pick("Right answers", "结果正确性"),
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true),
                                          .init(id: "queries", header: l.queries, alignRight: true),
                                          .init(id: "rows", header: l.pick("rows / hits", "行数 / 命中"), alignRight: true),
                                          .init(id: "wrong_rows", header: l.pick("wrong rows", "错误行"), alignRight: true),
                                          .init(id: "missing_rows", header: l.pick("missing", "缺失"), alignRight: true),
                                          .init(id: "extra_rows", header: l.pick("extra", "多余"), alignRight: true),
                                          .init(id: "wrong_values", header: l.pick("wrong values", "错误值"), alignRight: true),
                                          .init(id: "resurrected_rows", header: l.pick("resurrected", "复活行"), alignRight: true),
                                          .init(id: "stale_rows", header: l.pick("stale", "陈旧"), alignRight: true),
                                          .init(id: "indeterminate_rows", header: l.pick("indeterminate", "不确定"), alignRight: true),
                                          .init(id: "staleness_bound_ms", header: l.pick("staleness bound", "陈旧上限"), alignRight: true)],
                                rows: rows)
        guard !rows.isEmpty else { return table }
        table.notes.append(l.pick(
            "Each answer is compared with the rows the tool knows the collection holds: its shadow of every acknowledged insert, upsert and delete of this run (rows made again from the generators' seeds). Wrong rows: returned, but the row the key holds does not pass the filter; missing: a matching row not returned (or a count(*) short); extra: a key no row holds (deleted, never written); wrong values: an output field other than the row holds (for a search hit also a score other than the metric on the row's vector and the query); resurrected: a search hit on a deleted row or with a replaced vector. Stale: a difference the consistency level allows (written or deleted less than the staleness bound before the request); indeterminate: rows of writes or deletes that got no answer, accepted either way. Counts are over all checked queries.",
            "每个结果都与工具所知的集合数据比较：本次运行中每个已确认的 insert、upsert、delete 的影子（数据按生成器种子重新生成）。错误行：返回了，但该主键当前的数据不满足过滤条件；缺失：满足条件却未返回（或 count(*) 偏少）；多余：没有数据的主键（已删除或从未写入）；错误值：输出字段与数据不符（检索命中的得分与按该行向量和查询计算的距离不符也算）；复活行：检索命中已删除的行或已被替换的向量。陈旧：一致性级别允许的差异（写入或删除距请求不足陈旧上限）；不确定：未得到应答的写入或删除，两种结果都接受。计数为所有被校验查询之和。"))
        return table
    }

    /// Watches whose rows were read back by key afterwards.
    var audits: [(step: FlatStep, audit: RowAuditRecord)] {
        record.flatSteps.compactMap { f in f.step.watch?.audit.map { (f, $0) } }
    }

    /// The rows after each watch, key by key: lost, back, upserts lost, wrong values, and how
    /// the writes with an unknown outcome resolved.
    var rowAudit: ReportTable {
        let rows = audits.map { s, a -> [ReportTable.Cell] in
            let n = { (v: Int) in Format.plain(Double(v)) }
            return [.init(s.label, raw: s.step.id), n(a.expectedRows), n(a.rows), n(a.lost), n(a.back), n(a.upsertsLost), n(a.wrongValues),
                    .init("\(a.indeterminateStored) / \(a.indeterminateNotStored)", raw: "\(a.indeterminateStored)/\(a.indeterminateNotStored)"),
                    .init(Format.number(a.durationMs / 1000) + " s", raw: Format.raw(a.durationMs))]
        }
        var table = ReportTable(id: "row_audit", title: l.pick("Rows after the watch, key by key", "监控结束后逐行核对"),
                                columns: [.init(id: "step", header: l.step),
                                          .init(id: "expected_rows", header: l.pick("rows known", "已知行数"), alignRight: true),
                                          .init(id: "server_rows", header: l.pick("rows read", "读回行数"), alignRight: true),
                                          .init(id: "lost", header: l.pick("acknowledged, lost", "已确认但丢失"), alignRight: true),
                                          .init(id: "back", header: l.pick("deleted or unwritten, back", "已删除或未写入却存在"), alignRight: true),
                                          .init(id: "upserts_lost", header: l.pick("upserts lost (old values)", "upsert 丢失 (旧值)"), alignRight: true),
                                          .init(id: "wrong_values", header: l.pick("wrong values", "错误值"), alignRight: true),
                                          .init(id: "indeterminate", header: l.pick("unknown outcome: stored / not", "结果未知: 已存储 / 未存储"), alignRight: true),
                                          .init(id: "duration_ms", header: l.pick("read in", "读取耗时"), alignRight: true)],
                                rows: rows)
        guard !rows.isEmpty else { return table }
        table.notes.append(l.pick(
            "After the watch every row was read back by key (strongly consistent) and compared with the rows the tool knows the collection holds — its shadow of every acknowledged write, the watch's own included. Acknowledged, lost: a row an acknowledged insert or upsert left that is gone; back: a row under a key that was deleted or never acknowledged; upserts lost: the last acknowledged write was an upsert, the row holds other values (the old ones); wrong values: any other row not as written. Writes that got no answer (timed out, connection lost) are accepted either way and counted by how they resolved. Examples by key are in the wrong-answers table.",
            "监控结束后按主键读回每一行（强一致），与工具所知的集合数据比较——即每个已确认写入（包括监控自身的写入）的影子。已确认但丢失：已确认的 insert 或 upsert 写入的行不见了；已删除或未写入却存在：已删除或从未确认写入的主键上有数据；upsert 丢失：最后一次已确认的写入是 upsert，但行中仍是其他值（旧值）；错误值：其他与写入不符的行。未得到应答的写入（超时、连接断开）两种结果都接受，并按其结果计数。按主键的示例见错误结果表。"))
        return table
    }

    var wrongAnswers: ReportTable {
        // Every kind of check's examples, step by step: queries' `verify`, recall's hits, a watch's
        // audit and its background searches.
        let examples: [(step: FlatStep, examples: [AnswerExample])] = answerChecks.map { ($0.step, ($0.queries?.examples ?? []) + ($0.recall?.examples ?? [])) }
            + audits.map { ($0.step, $0.audit.examples) }
            + record.flatSteps.compactMap { s in s.step.watch?.answers.map { (s, $0.examples) } }
        let rows = examples.flatMap { s, list in
            list.map { e -> [ReportTable.Cell] in
                [.init(s.label, raw: s.step.id), .init(e.kind), .init(e.key), .init(e.field ?? ""), .init(e.expected ?? ""), .init(e.got ?? "")]
            }
        }
        var table = ReportTable(id: "wrong_answers", title: l.pick("Wrong answers (examples)", "错误结果（示例）"),
                                columns: [.init(id: "step", header: l.step), .init(id: "kind", header: l.pick("kind", "类型")),
                                          .init(id: "key", header: l.pick("key", "主键")), .init(id: "field", header: l.pick("field", "字段")),
                                          .init(id: "expected", header: l.pick("the collection holds", "集合中的数据")),
                                          .init(id: "got", header: l.pick("the server answered", "服务端返回"))],
                                rows: rows)
        if !rows.isEmpty { table.notes.append(l.pick("Up to five of each kind per step.", "每个步骤每种类型最多五例。")) }
        return table
    }
}
