import Foundation

/// Decodes nodes against `ObjectSpec`s, collecting every problem instead of stopping at the first.
///
/// Scalars are interpolated (`${VAR}`) at the moment they are converted, so problems point at
/// the exact scalar and a sweep can decode its nested steps once per swept value.
public final class SpecDecoder {
    public var sink = DiagnosticSink()
    /// Objects whose decoder skipped declared keys (see `ObjectReader.finish`); empty when the model is complete.
    public var unreadKeys: Set<String> = []
    public private(set) var scope: VariableScope
    /// The folder of the scenario file: relative data file paths start there.
    public var baseDirectory: String?
    /// Reads data set files' shapes for the checks; without one, files are not opened.
    public var dataFiles: (any DataFileReading)?

    public init(scope: VariableScope) {
        self.scope = scope
    }

    public func error(_ mark: Mark, _ code: DiagnosticCode, _ message: String) { sink.error(mark, code, message) }
    public func warning(_ mark: Mark, _ code: DiagnosticCode, _ message: String) { sink.warning(mark, code, message) }

    /// Runs `body` with a different scope.
    public func withScope<T>(_ newScope: VariableScope, _ body: () -> T) -> T {
        let saved = scope
        scope = newScope
        defer { scope = saved }
        return body()
    }

    /// Runs `body` with more variables bound (a sweep value, a name filled in at run time).
    public func withBindings<T>(_ bindings: [String: VariableScope.Binding], _ body: () -> T) -> T {
        let saved = scope
        scope = scope.adding(bindings)
        defer { scope = saved }
        return body()
    }

    /// A reader for a mapping that must follow `spec`; reports unknown and missing keys now.
    public func object(_ node: Node, _ spec: ObjectSpec) -> ObjectReader? {
        if node.isNull { return ObjectReader(decoder: self, spec: spec, node: Node(.mapping([]), at: node.mark)) }
        guard node.mapping != nil else {
            error(node.mark, .typeMismatch, "\(spec.title) must be a mapping of settings, got \(node.shapeDescription)")
            return nil
        }
        return ObjectReader(decoder: self, spec: spec, node: node)
    }

    // MARK: Scalars

    /// The scalar's text after interpolation, or nil (with an error) when it is not a scalar
    /// or a variable cannot be resolved.
    func text(_ node: Node, what: String) -> (text: String, original: String?)? {
        guard let scalar = node.scalar else {
            error(node.mark, .typeMismatch, "\(what) must be a single value, got \(node.shapeDescription)")
            return nil
        }
        switch Interpolation.expand(scalar.text, in: scope) {
        case .success(let r):
            return (r.text, r.substituted ? scalar.text : nil)
        case .failure(let f):
            error(markInside(node, offset: f.offset), .variable, f.message)
            return nil
        }
    }

    /// The position of a character inside a scalar, when it is written on one line.
    public func markInside(_ node: Node, offset: Int) -> Mark {
        guard let s = node.scalar, !s.text.contains("\n") else { return node.mark }
        switch s.style {
        case .plain: return node.mark.advanced(by: offset)
        case .singleQuoted, .doubleQuoted:
            return s.text.contains("'") || s.text.contains("\\") || s.text.contains("\"") ? node.mark : node.mark.advanced(by: offset + 1)
        default: return node.mark
        }
    }

    /// Converts a scalar node of `kind`; nil (and an error) when it does not fit.
    /// Quoted numbers (`"100"`) are accepted like plain ones: `"${replicas}"` is quoted in flow style anyway.
    func convert(_ node: Node, _ kind: ValueKind, key: String) -> ScalarValue? {
        if node.isNull {
            error(node.mark, .valueMissing, "'\(key)' needs a value (\(kind.summary.replacingOccurrences(of: "`", with: ""))), got nothing")
            return nil
        }
        guard let (raw, original) = text(node, what: "'\(key)'") else { return nil }
        let got = "'\(raw)'" + (original.map { " (from '\($0)')" } ?? "")
        switch kind {
        case .text, .scalar:
            return .text(raw)
        case .identifier:
            guard Interpolation.isIdentifierLike(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' must be a name of letters, digits, '_' and '-' (not starting with a digit), got \(got)")
                return nil
            }
            return .text(raw)
        case .url:
            guard let url = ServerURL.parse(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' must be a URL like http://127.0.0.1:19530, got \(got)")
                return nil
            }
            return .text(url.text)
        case .secret:
            return .secret(Secret(raw, writtenLiterally: !(node.scalar?.text.contains("${") ?? false)))
        case .boolean:
            switch raw {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            case "yes", "no", "on", "off", "Yes", "No", "On", "Off":
                error(node.mark, .typeMismatch, "'\(key)' expects true or false, got \(got); YAML 1.2 reads '\(raw)' as text, so write true or false")
                return nil
            default:
                error(node.mark, .typeMismatch, "'\(key)' expects true or false, got \(got)")
                return nil
            }
        case .integer(let lo, let hi):
            guard let v = ScenarioNumber.parseInteger(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' expects an integer, got \(got)")
                return nil
            }
            if let lo, v < lo { error(node.mark, .valueOutOfRange, "'\(key)' must be at least \(lo), got \(v)\(original.map { " (from '\($0)')" } ?? "")"); return nil }
            if let hi, v > hi { error(node.mark, .valueOutOfRange, "'\(key)' must be at most \(hi), got \(v)\(original.map { " (from '\($0)')" } ?? "")"); return nil }
            return .int(v)
        case .number(let lo, let hi):
            guard let v = ScenarioNumber.parseDouble(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' expects a number, got \(got)")
                return nil
            }
            if let lo, v < lo { error(node.mark, .valueOutOfRange, "'\(key)' must be at least \(ScenarioNumber.format(lo)), got \(raw)"); return nil }
            if let hi, v > hi { error(node.mark, .valueOutOfRange, "'\(key)' must be at most \(ScenarioNumber.format(hi)), got \(raw)"); return nil }
            return .number(v)
        case .duration(let allowZero):
            guard let d = ScenarioDuration.parse(raw) else {
                let hint = ScenarioNumber.parseDouble(raw) != nil ? "; add a unit (ms, s, m or h)" : ""
                error(node.mark, .typeMismatch, "'\(key)' expects a duration like 30s, got \(got)\(hint)")
                return nil
            }
            if d.milliseconds <= 0 && !allowZero {
                error(node.mark, .valueOutOfRange, "'\(key)' must be longer than zero, got \(got)")
                return nil
            }
            return .duration(d)
        case .rate:
            guard let r = Rate.parse(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' expects a rate like 500/s, got \(got)")
                return nil
            }
            return .rate(r)
        case .percent:
            guard let p = ScenarioNumber.parsePercent(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' expects a percent like 80%, got \(got)")
                return nil
            }
            guard p >= 0 && p <= 100 else {
                error(node.mark, .valueOutOfRange, "'\(key)' must be between 0% and 100%, got \(got)")
                return nil
            }
            return .number(p)
        case .fraction:
            let value = ScenarioNumber.parsePercent(raw).map { $0 / 100 } ?? ScenarioNumber.parseDouble(raw)
            guard let v = value else {
                error(node.mark, .typeMismatch, "'\(key)' expects a fraction like 0.8 or a percent like 80%, got \(got)")
                return nil
            }
            guard v >= 0 && v <= 1 else {
                error(node.mark, .valueOutOfRange, "'\(key)' must be between 0 and 1 (0% and 100%), got \(got)")
                return nil
            }
            return .number(v)
        case .choice(let options):
            guard options.contains(raw) else {
                let exact = options.first { $0.lowercased() == raw.lowercased() }
                let hint = exact.map { "; did you mean '\($0)'?" } ?? Suggestion.hint(for: raw, in: options)
                error(node.mark, .valueNotAChoice, "'\(key)' must be one of \(options.joined(separator: ", ")); got \(got)\(hint)")
                return nil
            }
            return .text(raw)
        case .countOrDuration:
            if let n = ScenarioNumber.parseInteger(raw) {
                guard n >= 0 else { error(node.mark, .valueOutOfRange, "'\(key)' must not be negative, got \(got)"); return nil }
                return .int(n)
            }
            guard let d = ScenarioDuration.parse(raw) else {
                error(node.mark, .typeMismatch, "'\(key)' expects a query count like 100 or a duration like 30s, got \(got)")
                return nil
            }
            return .duration(d)
        case .expression:
            return .text(raw)
        case .argv, .parameters, .textMap, .list, .map, .oneOrMore, .object, .variant:
            // A list item declared as a collection: not a single value (no key declares one).
            error(node.mark, .typeMismatch, "'\(key)' expects \(kind.summary), got a single value")
            return nil
        }
    }
}

/// A converted scalar.
enum ScalarValue {
    case text(String)
    case bool(Bool)
    case int(Int)
    case number(Double)
    case duration(ScenarioDuration)
    case rate(Rate)
    case secret(Secret)
}

/// A server address from a scenario: `http://host:port` or `https://host:port`.
public struct ServerURL: Sendable, Hashable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var path: String

    public var text: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)" }
    public var usesTLS: Bool { scheme == "https" }

    public static func parse(_ text: String) -> ServerURL? {
        let t = text.trimmingSpaces
        guard let r = t.range(of: "://") else { return nil }
        let scheme = t[..<r.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = t[r.upperBound...]
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()); if port == nil { return nil } }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = String(host[..<colon])
        }
        if let port, !(1...65535).contains(port) { return nil }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return ServerURL(scheme: scheme, host: host, port: port, path: path)
    }
}

extension Interpolation {
    /// Step ids and similar names: letters, digits, `_` and `-`, not starting with a digit.
    static func isIdentifierLike(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}

