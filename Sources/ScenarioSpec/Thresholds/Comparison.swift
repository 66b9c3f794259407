/// `<`, `<=`, `>`, `>=`, `==`, `!=`.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable, Codable {
    case lessThan = "<"
    case lessOrEqual = "<="
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case equal = "=="
    case notEqual = "!="

    public func holds(_ observed: Double, _ limit: Double) -> Bool {
        switch self {
        case .lessThan: return observed < limit
        case .lessOrEqual: return observed <= limit
        case .greaterThan: return observed > limit
        case .greaterOrEqual: return observed >= limit
        case .equal: return observed == limit
        case .notEqual: return observed != limit
        }
    }
}

/// `subject op value[unit]`, the shape of thresholds (`baseline.p99 < 100ms`) and alert
/// conditions (`node.memoryPercent > 80%`). Offsets point into the text for precise messages.
public struct Comparison: Sendable, Hashable {
    public var subject: String
    public var op: ComparisonOperator
    /// The value as written, with its unit (`100ms`, `80%`, `1.2`).
    public var valueText: String
    public var subjectOffset: Int
    public var valueOffset: Int

    public struct Failure: Error, Sendable, Equatable {
        public var offset: Int
        public var message: String
    }

    /// Parses one comparison from `text[start...]`, stopping at the end or before ` and `/` or `.
    static func parse(_ chars: [Character], from start: Int) -> Result<(Comparison, Int), Failure> {
        var i = start
        func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }
        skipSpaces()
        let subjectStart = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || "_-.".contains(chars[i]) { i += 1 }
        let subject = String(chars[subjectStart..<i])
        if subject.isEmpty {
            return .failure(Failure(offset: subjectStart, message: "expected a metric name like 'baseline.p99', found \(describe(chars, at: subjectStart))"))
        }
        skipSpaces()
        let opStart = i
        while i < chars.count, "<>=!".contains(chars[i]) { i += 1 }
        let opText = String(chars[opStart..<i])
        guard let op = ComparisonOperator(rawValue: opText) else {
            let shown = opText.isEmpty ? describe(chars, at: opStart) : "'\(opText)'"
            let hint = opText == "=" ? " (write '==')" : (opText == "=<" ? " (write '<=')" : (opText == "=>" ? " (write '>=')" : ""))
            return .failure(Failure(offset: opStart, message: "expected a comparison (<, <=, >, >=, ==, !=) after '\(subject)', found \(shown)\(hint)"))
        }
        skipSpaces()
        let valueStart = i
        while i < chars.count, chars[i] != " " { i += 1 }
        let valueText = String(chars[valueStart..<i])
        if valueText.isEmpty {
            return .failure(Failure(offset: valueStart, message: "expected a value after '\(opText)', like 100ms, 80% or 1.5"))
        }
        skipSpaces()
        return .success((Comparison(subject: subject, op: op, valueText: valueText, subjectOffset: subjectStart, valueOffset: valueStart), i))
    }

    /// Parses a whole text holding exactly one comparison.
    public static func parse(_ text: String) -> Result<Comparison, Failure> {
        let chars = Array(text)
        switch parse(chars, from: 0) {
        case .failure(let f): return .failure(f)
        case .success(let (c, end)):
            if end < chars.count {
                return .failure(Failure(offset: end, message: "unexpected \(describe(chars, at: end)) after the comparison; write one comparison per line"))
            }
            return .success(c)
        }
    }

    static func describe(_ chars: [Character], at i: Int) -> String {
        guard i < chars.count else { return "the end of the text" }
        let rest = String(chars[i...].prefix { $0 != " " })
        return "'\(rest)'"
    }

    /// The value converted to `unit` (milliseconds, percent, …) or a message saying why it does not fit.
    public func value(in unit: MetricUnit) -> Result<Double, Failure> {
        let t = valueText
        func fail(_ m: String) -> Result<Double, Failure> { .failure(Failure(offset: valueOffset, message: m)) }
        if let plain = ScenarioNumber.parseDouble(t) {
            switch unit {
            case .count, .perSecond, .ratio: return .success(plain)
            case .boolean:
                return plain == 0 || plain == 1 ? .success(plain) : fail("'\(subject)' is 0 or 1 (false or true), so '\(t)' can never match")
            case .fraction:
                if plain >= 0 && plain <= 1 { return .success(plain) }
                if plain > 1 && plain <= 100 { return fail("'\(subject)' is a fraction from 0 to 1; write \(t)% or \(plain / 100)") }
                return fail("'\(subject)' is a fraction from 0 to 1, so '\(t)' can never match")
            case .milliseconds:
                return plain == 0 ? .success(0) : fail("'\(subject)' is a duration; write the unit, like \(t)ms or \(t)s")
            case .percent:
                return plain == 0 ? .success(0) : fail("'\(subject)' is a percent; write it as \(t)%")
            }
        }
        switch unit {
        case .milliseconds:
            if let d = ScenarioDuration.parse(t) { return .success(d.milliseconds) }
            return fail("'\(subject)' is a duration; expected a value like 100ms or 1.5s, got '\(t)'")
        case .percent:
            if let p = ScenarioNumber.parsePercent(t) { return .success(p) }
            return fail("'\(subject)' is a percent; expected a value like 80%, got '\(t)'")
        case .perSecond:
            if let r = Rate.parse(t) { return .success(r.perSecond) }
            return fail("'\(subject)' is a rate; expected a number like 500 or 500/s, got '\(t)'")
        case .ratio:
            if t.hasSuffix("x"), let v = ScenarioNumber.parseDouble(String(t.dropLast())) { return .success(v) }
            return fail("'\(subject)' is a ratio; expected a number like 1.5 or 1.5x, got '\(t)'")
        case .fraction:
            if let p = ScenarioNumber.parsePercent(t) {
                return p >= 0 && p <= 100 ? .success(p / 100) : fail("'\(subject)' is a fraction from 0 to 1 (0–100%), so '\(t)' can never match")
            }
            return fail("'\(subject)' is a fraction from 0 to 1; expected a value like 0.95 or 95%, got '\(t)'")
        case .boolean:
            if t == "true" { return .success(1) }
            if t == "false" { return .success(0) }
            return fail("'\(subject)' is 0 or 1; expected 0, 1, true or false, got '\(t)'")
        case .count:
            return fail("'\(subject)' is a count; expected a plain number, got '\(t)'")
        }
    }
}

/// An alert condition: comparisons joined by `and` / `or` (`and` binds tighter).
public struct Condition: Sendable, Hashable {
    /// Any of these groups holding makes the condition hold; a group holds when all its comparisons do.
    public var anyOf: [[Comparison]]

    public static func parse(_ text: String) -> Result<Condition, Comparison.Failure> {
        let chars = Array(text)
        var groups: [[Comparison]] = [[]]
        var i = 0
        while true {
            switch Comparison.parse(chars, from: i) {
            case .failure(let f): return .failure(f)
            case .success(let (c, end)):
                groups[groups.count - 1].append(c)
                i = end
            }
            if i >= chars.count { break }
            let word = String(chars[i...].prefix { $0 != " " })
            switch word {
            case "and", "&&": groups[groups.count - 1] += []
            case "or", "||": groups.append([])
            default:
                return .failure(.init(offset: i, message: "expected 'and' or 'or' between comparisons, found '\(word)'"))
            }
            i += word.count
        }
        return .success(Condition(anyOf: groups))
    }
}
