/// A Milvus boolean filter (`category == "books" and price < 10`), parsed so the rows the tool
/// makes again can be filtered the way the server filters them: recall's ground truth must
/// come from the rows the search was allowed to return.
///
/// The subset understood: comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`) between a field and a
/// number, string or `true`/`false` (either side); `field in [...]`, `field not in [...]`;
/// `field like "abc%"` (`%` any run of characters); `and`/`&&`, `or`/`||`, `not`/`!`, and
/// parentheses. Anything else — arithmetic, JSON paths, array functions — is refused with the
/// reason, and recall is then reported as not measured rather than measured against the wrong
/// rows.
public indirect enum FilterExpression: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
        case bool(Bool)
    }

    public enum Op: String, Sendable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
        public var flipped: Op {
            switch self {
            case .lt: return .gt
            case .le: return .ge
            case .gt: return .lt
            case .ge: return .le
            default: return self
            }
        }
    }

    case compare(field: String, op: Op, value: Value)
    case member(field: String, values: [Value], negated: Bool)
    case like(field: String, pattern: String)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The fields the expression reads.
    public var fields: Set<String> {
        switch self {
        case .compare(let f, _, _), .member(let f, _, _), .like(let f, _): return [f]
        case .and(let a, let b), .or(let a, let b): return a.fields.union(b.fields)
        case .not(let a): return a.fields
        }
    }

    /// Whether a row passes; `value` gives the row's value of a field.
    public func matches(_ value: (String) -> Value?) -> Bool {
        switch self {
        case .compare(let f, let op, let v):
            guard let x = value(f) else { return false }
            return Self.compare(x, op, v)
        case .member(let f, let values, let negated):
            guard let x = value(f) else { return false }
            return values.contains { Self.compare(x, .eq, $0) } != negated
        case .like(let f, let pattern):
            guard case .text(let s)? = value(f) else { return false }
            return Self.like(s, pattern)
        case .and(let a, let b): return a.matches(value) && b.matches(value)
        case .or(let a, let b): return a.matches(value) || b.matches(value)
        case .not(let a): return !a.matches(value)
        }
    }

    public static func compare(_ x: Value, _ op: Op, _ y: Value) -> Bool {
        switch (x, y) {
        case (.number(let a), .number(let b)):
            switch op { case .eq: return a == b; case .ne: return a != b; case .lt: return a < b; case .le: return a <= b; case .gt: return a > b; case .ge: return a >= b }
        case (.text(let a), .text(let b)):
            switch op { case .eq: return a == b; case .ne: return a != b; case .lt: return a < b; case .le: return a <= b; case .gt: return a > b; case .ge: return a >= b }
        case (.bool(let a), .bool(let b)):
            switch op { case .eq: return a == b; case .ne: return a != b; default: return false }
        default:
            return op == .ne
        }
    }

    /// SQL-style `%` wildcards (any run of characters); everything else literal.
    public static func like(_ s: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "%", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return s == pattern }
        var rest = Substring(s)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let r = rest.range(of: middle) else { return false }
            rest = rest[r.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }

    // MARK: - Parsing

    public static func parse(_ text: String) -> Result<FilterExpression, ParseError> {
        var parser = Parser(tokens: Tokenizer.tokens(text))
        do {
            let e = try parser.orExpression()
            guard parser.atEnd else { throw ParseError(description: "unexpected '\(parser.peek!.text)'") }
            return .success(e)
        } catch let e as ParseError {
            return .failure(e)
        } catch {
            return .failure(ParseError(description: "\(error)"))
        }
    }

    struct Token: Equatable {
        enum Kind { case word, number, string, symbol }
        var kind: Kind
        var text: String
    }

    enum Tokenizer {
        static func tokens(_ text: String) -> [Token] {
            var out: [Token] = []
            let chars = Array(text)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c == " " || c == "\t" || c == "\n" { i += 1; continue }
                if c == "\"" || c == "'" {
                    var s = ""
                    i += 1
                    while i < chars.count, chars[i] != c {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        s.append(chars[i])
                        i += 1
                    }
                    i += 1
                    out.append(Token(kind: .string, text: s))
                } else if c.isNumber || ((c == "-" || c == ".") && i + 1 < chars.count && chars[i + 1].isNumber && (out.last.map { $0.kind == .symbol } ?? true)) {
                    let start = i
                    i += 1
                    while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
                        || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E")) { i += 1 }
                    out.append(Token(kind: .number, text: String(chars[start..<i])))
                } else if c.isLetter || c == "_" || c == "$" {
                    let start = i
                    while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "$" { i += 1 }
                    out.append(Token(kind: .word, text: String(chars[start..<i])))
                } else {
                    let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
                    if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                        out.append(Token(kind: .symbol, text: two))
                        i += 2
                    } else {
                        out.append(Token(kind: .symbol, text: String(c)))
                        i += 1
                    }
                }
            }
            return out
        }
    }

    struct Parser {
        var tokens: [Token]
        var position = 0

        var atEnd: Bool { position >= tokens.count }
        var peek: Token? { atEnd ? nil : tokens[position] }
        mutating func next() throws -> Token {
            guard let t = peek else { throw ParseError(description: "the expression ends too early") }
            position += 1
            return t
        }
        func isWord(_ w: String) -> Bool { peek.map { $0.kind == .word && $0.text.lowercased() == w } ?? false }
        func isSymbol(_ s: String) -> Bool { peek.map { $0.kind == .symbol && $0.text == s } ?? false }

        mutating func orExpression() throws -> FilterExpression {
            var e = try andExpression()
            while isWord("or") || isSymbol("||") {
                position += 1
                e = .or(e, try andExpression())
            }
            return e
        }

        mutating func andExpression() throws -> FilterExpression {
            var e = try notExpression()
            while isWord("and") || isSymbol("&&") {
                position += 1
                e = .and(e, try notExpression())
            }
            return e
        }

        mutating func notExpression() throws -> FilterExpression {
            if isWord("not") || isSymbol("!") {
                position += 1
                return .not(try notExpression())
            }
            if isSymbol("(") {
                position += 1
                let e = try orExpression()
                guard isSymbol(")") else { throw ParseError(description: "a '(' is not closed") }
                position += 1
                return e
            }
            return try comparison()
        }

        mutating func comparison() throws -> FilterExpression {
            let left = try operand()
            if case .field(let f) = left {
                if isWord("in") || isWord("not") {
                    let negated = isWord("not")
                    position += 1
                    if negated {
                        guard isWord("in") else { throw ParseError(description: "expected 'in' after 'not'") }
                        position += 1
                    }
                    return .member(field: f, values: try list(), negated: negated)
                }
                if isWord("like") {
                    position += 1
                    let t = try next()
                    guard t.kind == .string else { throw ParseError(description: "'like' needs a string pattern") }
                    return .like(field: f, pattern: t.text)
                }
            }
            let opToken = try next()
            guard opToken.kind == .symbol, let op = Op(rawValue: opToken.text) else {
                throw ParseError(description: "'\(opToken.text)' is not a comparison this tool evaluates (==, !=, <, <=, >, >=, in, like)")
            }
            let right = try operand()
            if isSymbol("<") || isSymbol(">") || isSymbol("<=") || isSymbol(">=") {
                throw ParseError(description: "chained comparisons (1 < x < 5) are not evaluated; write 1 < x and x < 5")
            }
            switch (left, right) {
            case (.field(let f), .value(let v)): return .compare(field: f, op: op, value: v)
            case (.value(let v), .field(let f)): return .compare(field: f, op: op.flipped, value: v)
            default: throw ParseError(description: "a comparison needs one field and one value")
            }
        }

        enum Operand { case field(String), value(Value) }

        mutating func operand() throws -> Operand {
            let t = try next()
            switch t.kind {
            case .number:
                guard let d = Double(t.text) else { throw ParseError(description: "'\(t.text)' is not a number") }
                return .value(.number(d))
            case .string: return .value(.text(t.text))
            case .word:
                switch t.text.lowercased() {
                case "true": return .value(.bool(true))
                case "false": return .value(.bool(false))
                default:
                    if isSymbol("(") || isSymbol("[") { throw ParseError(description: "functions, JSON and array access ('\(t.text)…') are not evaluated") }
                    if isSymbol("+") || isSymbol("-") || isSymbol("*") || isSymbol("/") || isSymbol("%") {
                        throw ParseError(description: "arithmetic is not evaluated")
                    }
                    return .field(t.text)
                }
            case .symbol:
                throw ParseError(description: "unexpected '\(t.text)'")
            }
        }

        mutating func list() throws -> [Value] {
            guard isSymbol("[") else { throw ParseError(description: "'in' needs a list like [1, 2]") }
            position += 1
            var values: [Value] = []
            while !isSymbol("]") {
                guard case .value(let v) = try operand() else { throw ParseError(description: "an 'in' list holds values, not fields") }
                values.append(v)
                if isSymbol(",") { position += 1 } else if !isSymbol("]") { throw ParseError(description: "expected ',' or ']' in the list") }
            }
            position += 1
            return values
        }
    }
}

