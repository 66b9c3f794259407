import Foundation
import ScenarioRecord

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
