/// What a key's value must look like. The decoder, the JSON Schema and the reference
/// document all read these, so they cannot disagree.
public indirect enum ValueKind: Sendable {
    /// Any text (numbers and booleans are taken as their text).
    case text
    /// A name: letters, digits, `_` and `-`, not starting with a digit.
    case identifier
    case boolean
    case integer(min: Int?, max: Int?)
    case number(min: Double?, max: Double?)
    /// `250ms`, `30s`, `2m`; never zero unless `allowZero`.
    case duration(allowZero: Bool)
    /// `500/s`.
    case rate
    /// `80%`.
    case percent
    /// `0.8` or `80%`, between 0 and 1.
    case fraction
    case choice([String])
    /// `http://host:port` or `https://…`.
    case url
    /// A token or password: taken from the environment, never printed.
    case secret
    /// A command as a list of arguments: `[kubectl, rollout, restart, …]`.
    case argv
    /// Name → scalar (numbers, text, booleans), such as index or search parameters.
    case parameters
    /// Name → text, such as HTTP headers or alert labels.
    case textMap
    /// A query count (`100`) or a duration (`5s`).
    case countOrDuration
    /// Any single value (text, number or boolean).
    case scalar
    case list(ValueKind, minCount: Int)
    /// Name → value of the given kind, in the order written.
    case map(ValueKind)
    /// A single value is accepted where a list is expected.
    case oneOrMore(ValueKind)
    case object(ObjectSpec)
    /// A single-key mapping choosing one of several kinds: `- load: {replicas: 2}`.
    case variant(VariantSet)
    /// A text in a small language, checked by the decoder (threshold, alert condition).
    case expression(String)

    /// Whether values of this kind are YAML lists or mappings rather than scalars.
    public var isCollection: Bool {
        switch self {
        case .argv, .parameters, .textMap, .list, .map, .oneOrMore, .object, .variant: return true
        default: return false
        }
    }

    /// How the reference document names this kind.
    public var summary: String {
        switch self {
        case .text: return "text"
        case .identifier: return "name"
        case .boolean: return "boolean"
        case .integer(let lo, let hi): return "integer" + Self.range(lo.map(Double.init), hi.map(Double.init))
        case .number(let lo, let hi): return "number" + Self.range(lo, hi)
        case .duration: return "duration"
        case .rate: return "rate"
        case .percent: return "percent"
        case .fraction: return "fraction (0–1 or %)"
        case .choice(let options): return "one of " + options.map { "`\($0)`" }.joined(separator: ", ")
        case .url: return "URL"
        case .secret: return "secret"
        case .argv: return "command (argv list)"
        case .parameters: return "map of name → value"
        case .textMap: return "map of name → text"
        case .countOrDuration: return "count or duration"
        case .scalar: return "value"
        case .list(let item, _): return "list of \(item.summary)"
        case .map(let item): return "map of name → \(item.summary)"
        case .oneOrMore(let item): return "\(item.summary) or list of them"
        case .object(let spec): return "[\(spec.title)](#\(spec.anchor))"
        case .variant(let set): return "\(set.title)s"
        case .expression(let what): return what
        }
    }

    static func range(_ lo: Double?, _ hi: Double?) -> String {
        switch (lo, hi) {
        case let (lo?, hi?): return " \(ScenarioNumber.format(lo))–\(ScenarioNumber.format(hi))"
        case let (lo?, nil): return " ≥ \(ScenarioNumber.format(lo))"
        case let (nil, hi?): return " ≤ \(ScenarioNumber.format(hi))"
        default: return ""
        }
    }
}

/// One key of a mapping: its name, kind, whether it is required or what its default is, and what it means.
public struct KeySpec: Sendable {
    public enum Presence: Sendable {
        case required
        /// Absent means "not set" (the documentation says what that implies).
        case optional
        /// Absent means this value, written as a scenario would write it.
        case defaultValue(String)
        /// Absent means something decided at run time, described here.
        case runtimeDefault(String)
    }

    public var name: String
    public var kind: ValueKind
    public var presence: Presence
    public var doc: String

    public init(_ name: String, _ kind: ValueKind, _ presence: Presence = .optional, _ doc: String) {
        self.name = name
        self.kind = kind
        self.presence = presence
        self.doc = doc
    }

    public var isRequired: Bool {
        if case .required = presence { return true }
        return false
    }

    /// The default as the reference shows it.
    public var defaultText: String? {
        switch presence {
        case .required, .optional: return nil
        case .defaultValue(let text): return text
        case .runtimeDefault(let text): return text
        }
    }
}

/// A rule about several keys of one mapping.
public enum KeyConstraint: Sendable {
    /// Exactly one of these keys must be present.
    case exactlyOne([String])
    /// At most one of these keys may be present.
    case atMostOne([String])
}

/// A mapping: which keys it has and what they mean.
public struct ObjectSpec: Sendable {
    /// Unique name, used for JSON Schema definitions.
    public var name: String
    /// How messages and the reference name it ("concurrentSearch step", "target").
    public var title: String
    public var doc: String
    public var keys: [KeySpec]
    public var constraints: [KeyConstraint]
    /// Keys starting with `x-` are ignored (a place for YAML anchors, as in docker-compose).
    public var allowsExtensionKeys: Bool

    public init(name: String, title: String, doc: String, keys: [KeySpec], constraints: [KeyConstraint] = [],
                allowsExtensionKeys: Bool = false) {
        self.name = name
        self.title = title
        self.doc = doc
        self.keys = keys
        self.constraints = constraints
        self.allowsExtensionKeys = allowsExtensionKeys
    }

    public func key(_ name: String) -> KeySpec? { keys.first { $0.name == name } }

    /// The heading anchor of this object's section in the reference document.
    public var anchor: String {
        title.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    }
}

/// Several kinds written as single-key mappings (steps, notifiers).
public struct VariantSet: Sendable {
    public var title: String
    public var variants: [ObjectSpec]
    /// The key each variant is written under: `load`, `webhook`, …
    public var names: [String]

    public init(title: String, variants: [(name: String, spec: ObjectSpec)]) {
        self.title = title
        self.variants = variants.map(\.spec)
        self.names = variants.map(\.name)
    }

    public func spec(named name: String) -> ObjectSpec? {
        names.firstIndex(of: name).map { variants[$0] }
    }
}

/// A token or password. Its text is never part of a description, log line or report.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    /// True when the scenario wrote the secret itself rather than `${VAR}`.
    public let writtenLiterally: Bool

    public init(_ value: String, writtenLiterally: Bool = false) {
        self.value = value
        self.writtenLiterally = writtenLiterally
    }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { value.isEmpty ? "(none)" : "(secret)" }
    public var debugDescription: String { description }
}

/// One entry of a parameters map such as `{nlist: 128}`: the name and the value as written.
public struct Parameter: Sendable, Hashable {
    public var name: String
    public var value: String
    public var mark: Mark

    public init(name: String, value: String, mark: Mark) {
        self.name = name
        self.value = value
        self.mark = mark
    }
}
