/// A YAML node from a scenario file. Every node knows where it was written.
///
/// Aliases are resolved while reading (an alias becomes a copy of the anchored node, which
/// keeps the anchored node's marks, so a bad value is reported where it was written) and
/// merge keys (`<<: *base`) are applied, so consumers never see either.
public struct Node: Sendable {
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Entry])
    }

    /// How a scalar was written; only plain scalars can be `null`, numbers or booleans.
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public struct Scalar: Sendable {
        public var text: String
        public var style: ScalarStyle
    }

    public struct Entry: Sendable {
        public var key: Node
        public var value: Node
    }

    public var content: Content
    public var mark: Mark
    /// Number of nodes this one stands for once aliases are expanded (itself included).
    public var weight: Int

    public init(_ content: Content, at mark: Mark) {
        self.content = content
        self.mark = mark
        switch content {
        case .scalar: weight = 1
        case .sequence(let items): weight = items.reduce(1) { $0 + $1.weight }
        case .mapping(let entries): weight = entries.reduce(1) { $0 + $1.key.weight + $1.value.weight }
        }
    }

    public static func scalar(_ text: String, style: ScalarStyle = .plain, at mark: Mark) -> Node {
        Node(.scalar(Scalar(text: text, style: style)), at: mark)
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Entry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// `~`, `null`, or nothing at all (`key:`), written without quotes.
    public var isNull: Bool {
        guard let s = scalar, s.style == .plain else { return false }
        return s.text.isEmpty || s.text == "~" || s.text == "null" || s.text == "Null" || s.text == "NULL"
    }

    /// The value for a plain-text key of a mapping.
    public subscript(key: String) -> Node? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// A short description of the node's shape for messages: "a list", "a mapping", "'fast'".
    public var shapeDescription: String {
        switch content {
        case .scalar(let s):
            if isNull { return "nothing (null)" }
            let text = s.text.count > 40 ? String(s.text.prefix(37)) + "..." : s.text
            return "'\(text)'"
        case .sequence(let items): return items.isEmpty ? "an empty list" : "a list"
        case .mapping(let entries): return entries.isEmpty ? "an empty mapping" : "a mapping"
        }
    }
}
