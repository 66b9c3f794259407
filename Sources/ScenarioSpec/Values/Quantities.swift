/// A span of time written as `250ms`, `30s`, `2m`, `1h` or combined (`1m30s`).
public struct ScenarioDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Double

    public init(milliseconds: Double) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Double) -> ScenarioDuration { .init(milliseconds: s * 1000) }

    public var seconds: Double { milliseconds / 1000 }
    public var swiftDuration: Duration { .nanoseconds(Int64((milliseconds * 1_000_000).rounded())) }

    public static func < (a: ScenarioDuration, b: ScenarioDuration) -> Bool { a.milliseconds < b.milliseconds }

    /// Parses `250ms`, `1.5s`, `2m`, `1h`, `1m30s`. A bare number is refused: a unit is required.
    public static func parse(_ text: String) -> ScenarioDuration? {
        let units: [(String, Double)] = [("ms", 1), ("us", 0.001), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        var rest = Substring(text.trimmingSpaces)
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return ScenarioDuration(milliseconds: total)
    }

    /// The shortest exact spelling: `250ms`, `30s`, `5m`, `1h`, `1m30s`.
    public var description: String {
        let ms = milliseconds
        if ms == 0 { return "0s" }
        if ms.truncatingRemainder(dividingBy: 1000) != 0 || ms < 1000 { return "\(ScenarioNumber.format(ms))ms" }
        let s = ms / 1000
        if s.truncatingRemainder(dividingBy: 3600) == 0 { return "\(ScenarioNumber.format(s / 3600))h" }
        if s.truncatingRemainder(dividingBy: 60) == 0 { return "\(ScenarioNumber.format(s / 60))m" }
        if s > 60 { return "\(Int(s) / 60)m\(ScenarioNumber.format(s.truncatingRemainder(dividingBy: 60)))s" }
        return "\(ScenarioNumber.format(s))s"
    }
}

/// A request rate written as `500/s`, `30/m` or `2/ms`; stored per second.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    public var perSecond: Double

    public init(perSecond: Double) { self.perSecond = perSecond }

    public static func parse(_ text: String) -> Rate? {
        let parts = text.trimmingSpaces.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Double(parts[0].trimmingSpaces), count.isFinite, count > 0 else { return nil }
        switch parts[1].trimmingSpaces {
        case "s": return Rate(perSecond: count)
        case "m": return Rate(perSecond: count / 60)
        case "h": return Rate(perSecond: count / 3600)
        case "ms": return Rate(perSecond: count * 1000)
        default: return nil
        }
    }

    public var description: String { "\(ScenarioNumber.format(perSecond))/s" }
}

/// Parsing and printing of plain numbers and percents the same way everywhere.
public enum ScenarioNumber {
    /// `80%` → 80.
    public static func parsePercent(_ text: String) -> Double? {
        let t = text.trimmingSpaces
        guard t.hasSuffix("%"), let v = Double(t.dropLast().trimmingSpaces), v.isFinite else { return nil }
        return v
    }

    /// YAML 1.2 core-schema integers (decimal, with an optional sign; `_` separators allowed for readability).
    public static func parseInteger(_ text: String) -> Int? {
        let t = text.trimmingSpaces.replacingAll("_", with: "")
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) else { return nil }
        return Int(t)
    }

    public static func parseDouble(_ text: String) -> Double? {
        let t = text.trimmingSpaces.replacingAll("_", with: "")
        guard !t.isEmpty, t.first != ".", let v = Double(t), v.isFinite,
              t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        return v
    }

    /// 100 → "100", 2.5 → "2.5", 0.1 + 0.2 → "0.3".
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        var s = String(format6(value))
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func format6(_ value: Double) -> String {
        // Avoid Foundation: six decimals by integer arithmetic.
        let negative = value < 0
        let scaled = (abs(value) * 1_000_000).rounded()
        let whole = Int(scaled / 1_000_000)
        let fraction = Int(scaled.truncatingRemainder(dividingBy: 1_000_000))
        var f = String(fraction)
        while f.count < 6 { f = "0" + f }
        return (negative ? "-" : "") + "\(whole).\(f)"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
