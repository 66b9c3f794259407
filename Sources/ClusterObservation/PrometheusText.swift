import Foundation

/// A parser for the Prometheus text exposition format (version 0.0.4), as Milvus serves it on
/// each component's `/metrics`.
///
/// It understands `# HELP` / `# TYPE`, labels with escapes (`\\`, `\"`, `\n`), `+Inf`, `-Inf`,
/// `NaN`, optional timestamps, and groups `_bucket` / `_sum` / `_count` (and `_created`) series
/// under their histogram or summary family. Malformed lines are errors with a line number;
/// splitting lines on spaces (what the load-balancing document does) breaks on label values
/// with spaces and keeps only the last series of a node.
public struct PrometheusText: Sendable {
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram, summary, untyped
    }

    /// One sample line: `name{labels} value`.
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    /// A metric family: every sample of one metric (for histograms: its buckets, sum and count).
    public struct Family: Sendable {
        public var name: String
        public var type: MetricType
        public var help: String
        public var samples: [Sample]
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public private(set) var families: [String: Family] = [:]
    /// Family names in the order they appeared.
    public private(set) var order: [String] = []

    /// Parses the text; with `only`, just the families named there (and their `_bucket`,
    /// `_sum`, `_count` series): a sampler reading a few counters every second skips the rest of
    /// a Milvus `/metrics` (~100 KB) without parsing it.
    public init(_ text: String, only wanted: Set<String>? = nil) throws {
        var types: [String: MetricType] = [:]
        var lineNumber = 0
        for rawBytes in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if let wanted, !Self.belongs(rawBytes, to: wanted) { continue }
            let rawLine = Substring(rawBytes)
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.hasPrefix("#") {
                let parts = line.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard parts.count >= 2 else { continue }
                let name = String(parts[1])
                if parts[0] == "TYPE" {
                    guard parts.count == 3, let type = MetricType(rawValue: String(parts[2]).trimmingBlanks()) else {
                        throw ParseError(line: lineNumber, message: "bad TYPE line: \(line)")
                    }
                    types[name] = type
                    self[family: name].type = type
                } else if parts[0] == "HELP" {
                    self[family: name].help = parts.count == 3 ? Self.unescapeHelp(String(parts[2])) : ""
                }
                continue
            }
            let sample = try Self.parseSample(Substring(line), line: lineNumber)
            let familyName = Self.familyName(of: sample.name, types: types)
            self[family: familyName].samples.append(sample)
        }
    }

    /// Whether a line (a sample, or a `# TYPE` / `# HELP` line) is about one of `wanted`'s families.
    public static func belongs(_ line: Substring.UTF8View, to wanted: Set<String>) -> Bool {
        var rest = line[...]
        if rest.first == UInt8(ascii: "#") {
            // "# TYPE name type" / "# HELP name text": the third word.
            let words = rest.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: true)
            guard words.count >= 3 else { return false }
            rest = words[2]
        }
        let end = rest.firstIndex { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: " ") } ?? rest.endIndex
        let name = String(Substring(rest[..<end]))
        if wanted.contains(name) { return true }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            if wanted.contains(String(name.dropLast(suffix.count))) { return true }
        }
        return false
    }

    private subscript(family name: String) -> Family {
        get { families[name] ?? Family(name: name, type: .untyped, help: "", samples: []) }
        set {
            if families[name] == nil { order.append(name) }
            families[name] = newValue
        }
    }

    /// `foo_bucket` belongs to histogram `foo`; `foo_count` to histogram or summary `foo`.
    static func familyName(of sampleName: String, types: [String: MetricType]) -> String {
        for suffix in ["_bucket", "_sum", "_count", "_created"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if let t = types[base], t == .histogram || t == .summary { return base }
        }
        return sampleName
    }

    static func parseSample(_ line: Substring, line number: Int) throws -> Sample {
        var i = line.startIndex
        func fail(_ message: String) -> ParseError { ParseError(line: number, message: "\(message): \(line)") }
        while i < line.endIndex, line[i] == " " || line[i] == "\t" { i = line.index(after: i) }
        let nameStart = i
        while i < line.endIndex, line[i].isLetter || line[i].isNumber || line[i] == "_" || line[i] == ":" { i = line.index(after: i) }
        let name = String(line[nameStart..<i])
        guard let first = name.first, !first.isNumber else { throw fail("expected a metric name") }
        var labels: [String: String] = [:]
        if i < line.endIndex, line[i] == "{" {
            i = line.index(after: i)
            while true {
                while i < line.endIndex, line[i] == " " || line[i] == "," { i = line.index(after: i) }
                guard i < line.endIndex else { throw fail("unterminated label set") }
                if line[i] == "}" { i = line.index(after: i); break }
                let keyStart = i
                while i < line.endIndex, line[i].isLetter || line[i].isNumber || line[i] == "_" { i = line.index(after: i) }
                let key = String(line[keyStart..<i])
                guard !key.isEmpty, i < line.endIndex, line[i] == "=" else { throw fail("expected label=\"value\"") }
                i = line.index(after: i)
                guard i < line.endIndex, line[i] == "\"" else { throw fail("label values must be quoted") }
                i = line.index(after: i)
                var value = ""
                var closed = false
                while i < line.endIndex {
                    let c = line[i]
                    if c == "\\" {
                        i = line.index(after: i)
                        guard i < line.endIndex else { break }
                        switch line[i] {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: value.append("\\"); value.append(line[i])
                        }
                    } else if c == "\"" {
                        closed = true
                        i = line.index(after: i)
                        break
                    } else {
                        value.append(c)
                    }
                    i = line.index(after: i)
                }
                guard closed else { throw fail("unterminated label value") }
                labels[key] = value
            }
        }
        let rest = line[i...].split(separator: " ", omittingEmptySubsequences: true)
        guard let valueText = rest.first, rest.count <= 2 else { throw fail("expected a value (and an optional timestamp)") }
        guard let value = parseValue(String(valueText)) else { throw fail("'\(valueText)' is not a number") }
        return Sample(name: name, labels: labels, value: value)
    }

    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    static func unescapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// All samples named `name` (a gauge's or counter's series, or a histogram's `_count`).
    public func samples(named name: String) -> [Sample] {
        let base = Self.familyName(of: name, types: families.mapValues(\.type))
        return families[base]?.samples.filter { $0.name == name } ?? []
    }

    /// The sum over every series of `name` whose labels include `matching`; nil when there is none.
    /// (Milvus reports segments and rows per collection, partition and segment state: a node's
    /// total is the sum over all its series, not the last one.)
    public func sum(_ name: String, matching: [String: String] = [:]) -> Double? {
        let series = samples(named: name).filter { s in matching.allSatisfy { s.labels[$0.key] == $0.value } }
        return series.isEmpty ? nil : series.reduce(0) { $0 + $1.value }
    }
}

extension String {
    fileprivate func trimmingBlanks() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
