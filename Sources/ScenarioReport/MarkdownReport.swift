import Foundation
import ScenarioRunner

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
        func section(_ id: String) {
            guard let t = byID[id] else { return }
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
            out += table(t)
            chartLinks("sweep_" + t.id.dropFirst("comparison_".count))
        }
        section("hot_queries")
        section("node_load")
        section("balance")
        chartLinks("nodes_")
        section("health")
        section("steps")
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

/// One CSV file per table (RFC 4180: CRLF line ends, fields with `,` `"` or line breaks quoted,
/// quotes doubled), UTF-8, stable English column ids in the header row.
enum CSVWriter {
    static func render(_ t: ReportTable) -> String {
        var out = t.columns.map { field($0.id) }.joined(separator: ",") + "\r\n"
        for row in t.rows { out += row.map { field($0.raw) }.joined(separator: ",") + "\r\n" }
        return out
    }

    static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}

/// `junit.xml`: one test case per threshold and per failed step, so CI systems list them.
enum JUnitReport {
    static func render(_ record: RunRecord) -> String {
        struct Case { var name: String; var className: String; var seconds: Double; var failure: (message: String, body: String)?; var skipped: String? }
        var cases: [Case] = []
        for t in record.thresholds {
            let observed = t.observed.map { Format.withUnit($0, t.unit) } ?? "not measured"
            cases.append(Case(name: t.expression, className: "\(record.scenario.name).thresholds", seconds: 0,
                              failure: t.passed ? nil : ("observed \(observed)", "\(t.expression): observed \(observed)\(t.note.map { " (\($0))" } ?? "")"),
                              skipped: nil))
        }
        for f in record.flatSteps where f.step.status == .failed || f.step.status == .unsupported {
            let s = f.step
            let name = "step \(s.path) \(s.kind) \(s.id)" + (f.row.map { " [\($0)]" } ?? "")
            if s.status == .unsupported {
                cases.append(Case(name: name, className: "\(record.scenario.name).steps", seconds: s.durationMs / 1000, failure: nil,
                                  skipped: "not supported by this deployment: " + (s.failure.map { $0.reason + ($0.hint.map { " — \($0)" } ?? "") } ?? "")))
            } else {
                cases.append(Case(name: name, className: "\(record.scenario.name).steps", seconds: s.durationMs / 1000,
                                  failure: (s.failure?.reason ?? "failed", s.failure?.description ?? "failed"), skipped: nil))
            }
        }
        if record.status == .interrupted {
            cases.append(Case(name: "run", className: "\(record.scenario.name).run", seconds: 0, failure: ("interrupted", "the run was interrupted (Ctrl-C or SIGTERM)"), skipped: nil))
        }
        let failures = cases.filter { $0.failure != nil }.count
        let skipped = cases.filter { $0.skipped != nil }.count
        let total = record.endedAt.map { $0.timeIntervalSince(record.startedAt) } ?? 0
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"milvus-scenario\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", total))\">\n"
        out += "  <testsuite name=\"\(xml(record.scenario.name))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", total))\" timestamp=\"\(iso(record.startedAt))\" hostname=\"\(xml(record.host))\">\n"
        out += "    <properties>\n"
        for (k, v) in [("scenario.file", record.scenario.file), ("scenario.sha256", record.scenario.sha256), ("target.uri", record.target.uri),
                       ("server.version", record.target.serverVersion ?? ""), ("status", record.status.rawValue)] {
            out += "      <property name=\"\(k)\" value=\"\(xml(v))\"/>\n"
        }
        out += "    </properties>\n"
        for c in cases {
            out += "    <testcase name=\"\(xml(c.name))\" classname=\"\(xml(c.className))\" time=\"\(String(format: "%.3f", c.seconds))\""
            if let f = c.failure {
                out += ">\n      <failure message=\"\(xml(f.message))\" type=\"failure\">\(xml(f.body))</failure>\n    </testcase>\n"
            } else if let s = c.skipped {
                out += ">\n      <skipped message=\"\(xml(s))\"/>\n    </testcase>\n"
            } else {
                out += "/>\n"
            }
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}

/// Text for XML attributes and elements; characters XML 1.0 cannot hold are dropped.
func xml(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
