import Foundation

/// Where the values of `${NAME}` come from, innermost first.
///
/// Order: sweep values (and names a step fills in at run time, such as `${replicas}` in a scale
/// command) → `--var NAME=VALUE` → the scenario's `vars:` block → the environment.
public struct VariableScope: Sendable {
    public enum Binding: Sendable, Equatable {
        /// A known value and where it came from ("sweep value at 12:20", "--var", "environment").
        case value(String, origin: String)
        /// Filled in at run time; `${name}` is kept in the text as written.
        case deferred
    }

    var layers: [[String: Binding]]

    public init(commandLine: [String: String] = [:], vars: [String: String] = [:], environment: [String: String] = [:]) {
        layers = [
            environment.mapValues { .value($0, origin: "environment") },
            vars.mapValues { .value($0, origin: "vars") },
            commandLine.mapValues { .value($0, origin: "--var") },
        ]
    }

    /// The same scope with the scenario's `vars:` block set (beneath `--var`, above the environment).
    public func settingScenarioVars(_ vars: [String: Binding]) -> VariableScope {
        var copy = self
        copy.layers[1] = vars
        return copy
    }

    /// A scope with one more innermost layer.
    public func adding(_ bindings: [String: Binding]) -> VariableScope {
        var copy = self
        copy.layers.append(bindings)
        return copy
    }

    public func lookup(_ name: String) -> Binding? {
        for layer in layers.reversed() {
            if let b = layer[name] { return b }
        }
        return nil
    }

    /// Names a "did you mean" may suggest (excluding the environment, which is mostly noise).
    var suggestibleNames: [String] {
        layers.dropFirst().flatMap { $0.keys }
    }
}

/// `${NAME}`, `${NAME:-default}` and `${NAME:?message}` in scalar values; `$$` is a literal `$`.
public enum Interpolation {
    public struct Failure: Error, Sendable, Equatable {
        /// Character offset of the problem inside the scalar's text.
        public var offset: Int
        public var message: String
    }

    public struct Result: Sendable, Equatable {
        public var text: String
        /// True when at least one `${…}` was replaced (messages then show the original).
        public var substituted: Bool
    }

    public static func containsReference(_ text: String) -> Bool { text.contains("${") }

    public static func expand(_ text: String, in scope: VariableScope) -> Swift.Result<Result, Failure> {
        guard text.contains("$") else { return .success(Result(text: text, substituted: false)) }
        let chars = Array(text)
        var out = ""
        var substituted = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "$", i + 1 < chars.count, chars[i + 1] == "$" {
                out.append("$")
                i += 2
                continue
            }
            guard c == "$", i + 1 < chars.count, chars[i + 1] == "{" else {
                out.append(c)
                i += 1
                continue
            }
            let start = i
            guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                return .failure(Failure(offset: start, message: "'${' is never closed; write ${NAME} or ${NAME:-default} (or '$$' for a literal '$')"))
            }
            let body = String(chars[(i + 2)..<close])
            i = close + 1
            var name = body
            var fallback: String?
            var required: String?
            if let r = body.range(of: ":-") {
                name = String(body[..<r.lowerBound])
                fallback = String(body[r.upperBound...])
            } else if let r = body.range(of: ":?") {
                name = String(body[..<r.lowerBound])
                required = String(body[r.upperBound...])
            }
            guard isValidName(name) else {
                let shown = name.isEmpty ? "an empty name" : "'\(name)'"
                return .failure(Failure(offset: start, message: "${\(body)} has \(shown); variable names are letters, digits and '_', not starting with a digit"))
            }
            switch scope.lookup(name) {
            case .value(let v, _) where !(v.isEmpty && fallback != nil):
                out += v
                substituted = true
            case .deferred:
                out += "${\(body)}"
            default:
                if let fallback {
                    out += fallback
                    substituted = true
                } else if let required {
                    let why = required.isEmpty ? "it is required" : required
                    return .failure(Failure(offset: start, message: "variable ${\(name)} is not set: \(why)"))
                } else {
                    let hint = Suggestion.hint(for: name, in: scope.suggestibleNames)
                    return .failure(Failure(offset: start, message: "unresolved variable ${\(name)}; set it in the environment, with --var \(name)=..., or in 'vars:', or give a default: ${\(name):-value}\(hint)"))
                }
            }
        }
        return .success(Result(text: out, substituted: substituted))
    }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
