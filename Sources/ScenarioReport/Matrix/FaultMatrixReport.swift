import Foundation
import ScenarioSpec

/// The chaos matrix's files: chaos.md (one table for people), chaos.csv (every measured column,
/// for spreadsheets) and chaos.json (the rows as `FaultMatrix.Row`s).
public enum FaultMatrixReport {
    public static let files = ["chaos.md", "chaos.csv", "chaos.json"]

    /// Writes the three files into `folder`; returns their names.
    @discardableResult
    public static func write(_ matrix: FaultMatrix, to folder: URL) throws -> [String] {
        try Data(markdown(matrix).utf8).write(to: folder.appendingPathComponent("chaos.md"), options: .atomic)
        try Data(CSVWriter.render(csv(matrix)).utf8).write(to: folder.appendingPathComponent("chaos.csv"), options: .atomic)
        try json(matrix).write(to: folder.appendingPathComponent("chaos.json"), options: .atomic)
        return files
    }

    public static func json(_ matrix: FaultMatrix) throws -> Data {
        struct File: Encodable { var cases: [FaultMatrix.Row] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(File(cases: matrix.rows)) + Data("\n".utf8)
    }

    /// One line per case, as the chaos script logs it after each case.
    public static func summary(_ r: FaultMatrix.Row) -> String {
        func time(_ s: FaultMatrix.Since?) -> String { s?.seconds.map { "\(number($0)) s" } ?? since(s) }
        return "\(r.name): exit \(r.exit.map(String.init) ?? "—") in \(number(r.seconds)) s: detect \(time(r.detect.map(FaultMatrix.Since.seconds))), "
            + "live \(time(r.live)), serving \(time(r.serving)), searches ok during \(number(r.successDuring.map(FaultMatrix.round1))) %, "
            + "recall \(number(r.recallBefore)) -> \(number(r.recallDuring)) -> \(number(r.recallAfter)), wrong answers \(number(r.wrongBefore))/\(number(r.wrongDuring))/\(number(r.wrongAfter))"
            + (r.thresholdsFailed?.isEmpty == false ? ", failed: \(r.thresholdsFailed!.joined(separator: ", "))" : "") + " -> \(r.outcome)"
    }

    // MARK: Markdown

    static let columns = ["case", "detect s", "live s", "serving s", "searches ok before/during/after %", "P99 during (worst check) ms",
                          "inserts ok before/during/after %", "rows written (during the fault)", "rows before → after (expected)",
                          "recall before → during → after", "wrong answers before/during/after", "by key after: lost/back/wrong values", "unknown writes: stored/not", "alerts fired/resolved", "segments per node before → after", "outcome"]

    public static func markdown(_ matrix: FaultMatrix) -> String {
        var lines = ["# Chaos matrix", "", intro(matrix.setup), "",
                     "| " + columns.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: columns.count)]
        for r in matrix.rows {
            let cells = [
                r.name, number(r.detect), since(r.live), since(r.serving),
                [r.successBefore, r.successDuring, r.successAfter].map { number($0.map(FaultMatrix.round1)) }.joined(separator: "/"),
                number(r.p99DuringMs),
                [r.writeBefore, r.writeDuring, r.writeAfter].map { number($0.map(FaultMatrix.round1)) }.joined(separator: "/"),
                "\(number(r.rowsWritten)) (\(number(r.rowsWrittenDuring)))",
                "\(number(r.rowsBefore)) → \(number(r.rowsAfter)) (\(number(r.expectedRows)))",
                "\(number(r.recallBefore)) → \(number(r.recallDuring)) → \(number(r.recallAfter))", "\(number(r.wrongBefore))/\(number(r.wrongDuring))/\(number(r.wrongAfter))",
                "\(number(r.keysLost))/\(number(r.keysBack))/\(number(r.keysWrongValues))", "\(number(r.unknownStored))/\(number(r.unknownNotStored))",
                "\(number(r.alertsFired))/\(number(r.alertsResolved))",
                "\(segments(r.segmentsBefore)) → \(segments(r.segmentsAfter))", r.outcome,
            ]
            lines.append("| " + cells.map(MarkdownReport.escapeCell).joined(separator: " | ") + " |")
        }
        lines += ["", "Each case's own report (report.md, run.json, junit.xml, charts) is in its folder; its console "
                  + "output in `<case>.log`. Rebuild this table with `milvus-scenario report --matrix <this folder>`."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// How the cases ran, from their records; a value that differed between cases shows each.
    static func intro(_ s: FaultMatrix.Setup) -> String {
        func one(_ values: [String]) -> String { values.isEmpty ? "?" : values.joined(separator: " or ") }
        var text = "\(one(s.deployment)); \(one(s.replicas)) replica(s) of \(one(s.rows)) rows, "
        text += "background searches \(one(s.searchRate))"
        if !s.writes.isEmpty { text += " and inserts \(one(s.writes))" }
        text += " (rows written = rows the server acknowledged; expected after = before + written). "
        text += "Each fault started \(one(s.faultAt)) into a \(one(s.watch)) watch (checks every \(one(s.interval)))"
        if !s.undoAt.isEmpty { text += " and was undone at \(one(s.undoAt))" }
        text += ". Times count from the fault. \"serving: never lost\" = every check's search succeeded."
        return MarkdownReport.escapeInline(text)
    }

    static func number(_ v: Double?) -> String { v.map(ScenarioNumber.format) ?? "—" }
    static func number(_ v: Int?) -> String { v.map(String.init) ?? "—" }

    static func since(_ s: FaultMatrix.Since?) -> String {
        switch s {
        case .seconds(let v)?: number(v)
        case .neverLost?: "never lost"
        case nil: "—"
        }
    }

    static func segments(_ d: [String: Int]?) -> String {
        guard let d else { return "—" }
        return d.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "querynode", with: "qn")):\($0.value)" }.joined(separator: " ")
    }

    // MARK: CSV

    static func csv(_ matrix: FaultMatrix) -> ReportTable {
        func d(_ v: Double?) -> String { v.map(ScenarioNumber.format) ?? "" }
        func i(_ v: Int?) -> String { v.map(String.init) ?? "" }
        func b(_ v: Bool?) -> String { v.map { $0 ? "true" : "false" } ?? "" }
        func s(_ v: FaultMatrix.Since?) -> String { v.map { $0.seconds.map(ScenarioNumber.format) ?? "never lost" } ?? "" }
        let fields: [(String, (FaultMatrix.Row) -> String)] = [
            ("case", \.name), ("fault", \.fault), ("exit", { i($0.exit) }), ("seconds", { d($0.seconds) }),
            ("detect", { d($0.detect) }), ("live", { s($0.live) }), ("serving", { s($0.serving) }),
            ("successBefore", { d($0.successBefore) }), ("successDuring", { d($0.successDuring) }), ("successAfter", { d($0.successAfter) }),
            ("p99DuringMs", { d($0.p99DuringMs) }), ("writeBefore", { d($0.writeBefore) }), ("writeDuring", { d($0.writeDuring) }),
            ("writeAfter", { d($0.writeAfter) }), ("rowsWritten", { i($0.rowsWritten) }), ("rowsWrittenDuring", { i($0.rowsWrittenDuring) }),
            ("rowsBefore", { i($0.rowsBefore) }), ("rowsAfter", { i($0.rowsAfter) }), ("rowCount", { $0.rowCount ?? "" }),
            ("alertsFired", { i($0.alertsFired) }), ("alertsResolved", { i($0.alertsResolved) }), ("actionsFailed", { i($0.actionsFailed) }),
            ("clusterSurvived", { b($0.clusterSurvived) }), ("restartedBefore", { b($0.restartedBefore) }),
            ("recallBefore", { d($0.recallBefore) }), ("recallAfter", { d($0.recallAfter) }), ("wrongBefore", { i($0.wrongBefore) }),
            ("wrongAfter", { i($0.wrongAfter) }), ("wrongDuring", { i($0.wrongDuring) }), ("recallDuring", { d($0.recallDuring) }), ("keysLost", { i($0.keysLost) }), ("keysBack", { i($0.keysBack) }),
            ("keysWrongValues", { i($0.keysWrongValues) }), ("unknownStored", { i($0.unknownStored) }), ("unknownNotStored", { i($0.unknownNotStored) }),
            ("outcome", \.outcome),
        ]
        return ReportTable(id: "chaos", title: "Chaos matrix", columns: fields.map { .init(id: $0.0, header: $0.0) },
                           rows: matrix.rows.map { row in fields.map { ReportTable.Cell($0.1(row)) } })
    }
}
