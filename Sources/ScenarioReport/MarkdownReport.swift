import Foundation
import ScenarioRecord

/// `report.md`: the document's tables, in English or Chinese, rendered for GitHub.
enum MarkdownReport {
    static func render(_ record: RunRecord, tables: [ReportTable], charts: [Chart], labels l: Labels) -> String {
        var out = "# \(escapeInline(record.scenario.title ?? record.scenario.name))\n\n"
        let icon: String
        switch record.status {
        case .passed: icon = "✅"
        case .thresholdsFailed, .failed: icon = "❌"
        case .interrupted, .running: icon = "⚠️"
        }
        out += "\(icon) **\(l.runStatus(record.status.rawValue))** · `\(record.scenario.file)` · \(record.target.serverVersion.map { "Milvus \($0)" } ?? record.target.uri)"
        if let n = record.target.queryNodes { out += l.pick(" · \(n) query node\(n == 1 ? "" : "s")", " · \(n) 个查询节点") }
        out += "\n\n"
        if let f = record.failure {
            out += "## \(l.failure)\n\n> \(escapeInline(f.description))\n\n"
        }
        let byID = Dictionary(tables.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var shown: Set<String> = ["environment"]
        func section(_ id: String) {
            guard let t = byID[id], !t.csvOnly else { return }
            shown.insert(id)
            out += table(t)
        }
        func chartLinks(_ prefix: String) {
            for c in charts where c.file.hasPrefix(prefix) {
                out += "![\(escapeInline(c.title))](\(c.file))\n\n"
            }
        }
        section("thresholds")
        section("query_performance")
        chartLinks("latency")
        for t in tables where t.id.hasPrefix("comparison_") {
            shown.insert(t.id)
            out += table(t)
            chartLinks("sweep_" + t.id.dropFirst("comparison_".count))
        }
        section("hot_queries")
        section("timeline")
        chartLinks("timeline_")
        section("node_load")
        section("balance")
        chartLinks("nodes_")
        section("health")
        section("recovery")
        chartLinks("watch_")
        section("alerts")
        section("actions")
        section("health_timeline")
        // Tables of kinds placed nowhere above (a new kind's reporter): before the steps table,
        // in the order the reporters give them.
        for t in tables where !shown.contains(t.id) && t.id != "steps" && t.id != "notes" { section(t.id) }
        section("steps")
        section("notes")
        if let env = byID["environment"] {
            out += "## \(env.title)\n\n"
            for row in env.rows { out += "- **\(escapeInline(row[0].text))**: \(escapeInline(row[1].text))\n" }
            out += "\n"
        }
        out += "<sub>" + l.pick("Written by \(record.tool) \(record.toolVersion) from run.json (format \(record.formatVersion)).",
                                "由 \(record.tool) \(record.toolVersion) 根据 run.json（格式版本 \(record.formatVersion)）生成。") + "</sub>\n"
        return out
    }

    static func table(_ t: ReportTable) -> String {
        // CSV-only columns, and columns with nothing in them (a note column without notes), are left out.
        let keep = t.columns.indices.filter { i in !t.columns[i].csvOnly && (t.rows.isEmpty || t.rows.contains { !$0[i].text.isEmpty }) }
        var out = "## \(t.title)\n\n"
        out += "| " + keep.map { escapeCell(t.columns[$0].header) }.joined(separator: " | ") + " |\n"
        out += "|" + keep.map { t.columns[$0].alignRight ? "---:|" : "---|" }.joined() + "\n"
        for row in t.rows {
            out += "| " + keep.map { escapeCell(row[$0].text) }.joined(separator: " | ") + " |\n"
        }
        out += "\n"
        for note in t.notes { out += "\(escapeInline(note))\n\n" }
        return out
    }

    static func escapeCell(_ s: String) -> String {
        escapeInline(s).replacingOccurrences(of: "|", with: "\\|")
    }

    /// One line, no HTML: reasons from servers can hold anything.
    static func escapeInline(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
