import Primitives

/// A JSON value with ordered keys, printed deterministically (for the schema, diagnostics and golden files).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }

    /// Pretty-printed with two-space indentation; `compact` prints it on one line.
    public func rendered(compact: Bool = false) -> String {
        var out = ""
        write(&out, indent: 0, compact: compact)
        return out
    }

    private func write(_ out: inout String, indent: Int, compact: Bool) {
        let pad = compact ? "" : String(repeating: "  ", count: indent + 1)
        let end = compact ? "" : String(repeating: "  ", count: indent)
        let newline = compact ? "" : "\n"
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += d.isFinite ? ScenarioNumber.format(d) : "null"
        case .string(let s): out += Self.quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad
                item.write(&out, indent: indent + 1, compact: compact)
                out += (i < items.count - 1 ? "," : "") + newline
            }
            out += end + "]"
        case .object(let entries):
            if entries.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (key, value)) in entries.enumerated() {
                out += pad + Self.quote(key) + (compact ? ":" : ": ")
                value.write(&out, indent: indent + 1, compact: compact)
                out += (i < entries.count - 1 ? "," : "") + newline
            }
            out += end + "}"
        }
    }

    public static func quote(_ s: String) -> String { JSONText.quote(s) }
}
