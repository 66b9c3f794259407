/// A Milvus boolean filter (`category == "books" and price < 10`), parsed so the rows the tool
/// makes again can be filtered the way the server filters them: recall's ground truth must come
/// from the rows the search was allowed to return, and `verify` must know which rows a query
/// should find.
///
/// What it evaluates, as Milvus documents it: comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`, either
/// side a value) of fields, JSON paths (`meta["a"]["b"]`, `tags[0]`), dynamic-field keys (a name
/// the schema does not declare) and arithmetic on them (`price * 2 + 1 < 10`, `+ - * / %`);
/// `in [...]`, `not in [...]`; `like` with `%` (any run of characters), `_` (one character) and
/// `\` escaping either; `is null`, `is not null`; `json_contains`, `json_contains_all`,
/// `json_contains_any`, `array_contains`, `array_contains_all`, `array_contains_any`,
/// `array_length(f) <op> n`; `and`/`&&`, `or`/`||`, `not`/`!`, parentheses. A null or missing
/// value never passes a comparison, `in`, `like` or `contains` (as on the server); `not` of such a
/// test is true. Anything else is refused with the reason, never evaluated wrongly.
public indirect enum FilterExpression: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
        case bool(Bool)
        case array([Value])
        case object([String: Value])
        case null
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

    public enum Arithmetic: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    }

    /// A step of a JSON or array path: `["key"]` or `[0]`.
    public enum PathStep: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// What a comparison compares.
    public indirect enum Operand: Sendable, Equatable {
        case field(String, path: [PathStep])
        case value(Value)
        case arithmetic(Operand, Arithmetic, Operand)
        case arrayLength(Operand)
    }

    /// `json_contains*` / `array_contains*`: one value, all of a list, or any of a list.
    public enum Containment: String, Sendable {
        case one = "", all = "_all", any = "_any"
    }

    case compare(Operand, Op, Operand)
    case member(Operand, values: [Value], negated: Bool)
    case like(Operand, pattern: String)
    case isNull(Operand, negated: Bool)
    case contains(Operand, Containment, Value)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The fields the expression reads (a JSON path's field, a dynamic key's name).
    public var fields: Set<String> {
        switch self {
        case .compare(let a, _, let b): return a.fields.union(b.fields)
        case .member(let a, _, _), .like(let a, _), .isNull(let a, _), .contains(let a, _, _): return a.fields
        case .and(let a, let b), .or(let a, let b): return a.fields.union(b.fields)
        case .not(let a): return a.fields
        }
    }

    /// Whether a row passes; `value` gives the row's value of a field (nil or `.null` when it has none).
    public func matches(_ value: (String) -> Value?) -> Bool {
        switch self {
        case .compare(let a, let op, let b):
            guard let x = a.evaluate(value), let y = b.evaluate(value) else { return false }
            return Self.compare(x, op, y)
        case .member(let a, let values, let negated):
            guard let x = a.evaluate(value) else { return false }
            return values.contains { Self.compare(x, .eq, $0) } != negated
        case .like(let a, let pattern):
            guard case .text(let s)? = a.evaluate(value) else { return false }
            return Self.like(s, pattern)
        case .isNull(let a, let negated):
            return (a.evaluate(value) == nil) != negated
        case .contains(let a, let mode, let wanted):
            guard case .array(let items)? = a.evaluate(value) else { return false }
            let has = { (v: Value) in items.contains { Self.compare($0, .eq, v) } }
            switch (mode, wanted) {
            case (.one, _): return has(wanted)
            case (.all, .array(let list)): return list.allSatisfy(has)
            case (.any, .array(let list)): return list.contains(where: has)
            default: return false
            }
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
        case (.array, .array), (.object, .object):
            switch op { case .eq: return x == y; case .ne: return x != y; default: return false }
        case (.null, _), (_, .null):
            return false
        default:
            return op == .ne
        }
    }

    /// SQL `like`: `%` any run of characters, `_` exactly one, `\` makes the next one literal.
    public static func like(_ s: String, _ pattern: String) -> Bool {
        enum Token: Equatable { case any, one, char(Character) }
        var tokens: [Token] = []
        var escaped = false
        for c in pattern {
            if escaped { tokens.append(.char(c)); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "%": tokens.append(.any)
            case "_": tokens.append(.one)
            default: tokens.append(.char(c))
            }
        }
        if escaped { tokens.append(.char("\\")) }
        let text = Array(s)
        // Glob matching with backtracking on the last `%`.
        var t = 0, p = 0, star = -1, mark = 0
        while t < text.count {
            if p < tokens.count, tokens[p] == .one || tokens[p] == .char(text[t]) {
                t += 1
                p += 1
            } else if p < tokens.count, tokens[p] == .any {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .any { p += 1 }
        return p == tokens.count
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
                        // Quotes and backslashes escaped; any other escape kept for `like` (`\%`, `\_`).
                        if chars[i] == "\\", i + 1 < chars.count {
                            if chars[i + 1] == c || chars[i + 1] == "\\" { i += 1 } else { s.append(chars[i]); i += 1 }
                        }
                        s.append(chars[i])
                        i += 1
                    }
                    i += 1
                    out.append(Token(kind: .string, text: s))
                } else if c.isNumber || ((c == "-" || c == ".") && i + 1 < chars.count && chars[i + 1].isNumber
                                         && (out.last.map { $0.kind == .symbol && $0.text != ")" && $0.text != "]" } ?? true)) {
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
                    if ["==", "!=", "<=", ">=", "&&", "||", "**"].contains(two) {
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
        mutating func expect(_ s: String, _ what: String) throws {
            guard isSymbol(s) else { throw ParseError(description: "expected '\(s)' \(what)") }
            position += 1
        }

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
            // A parenthesised boolean expression (an arithmetic one is an operand: tried first).
            if isSymbol("(") {
                let start = position
                position += 1
                if let e = try? orExpression(), isSymbol(")") {
                    position += 1
                    if !isComparisonAhead { return e }
                }
                position = start
            }
            return try comparison()
        }

        /// A comparison operator or arithmetic follows (the parenthesis was an operand's).
        var isComparisonAhead: Bool {
            guard let t = peek, t.kind == .symbol else { return false }
            return Op(rawValue: t.text) != nil || Arithmetic(rawValue: t.text) != nil
        }

        static let containment: [String: (Containment, json: Bool)] = [
            "json_contains": (.one, true), "json_contains_all": (.all, true), "json_contains_any": (.any, true),
            "array_contains": (.one, false), "array_contains_all": (.all, false), "array_contains_any": (.any, false),
        ]

        mutating func comparison() throws -> FilterExpression {
            if let t = peek, t.kind == .word, let (mode, _) = Self.containment[t.text.lowercased()] {
                position += 1
                try expect("(", "after \(t.text)")
                let target = try operand()
                guard case .field = target else { throw ParseError(description: "\(t.text) takes a field first") }
                try expect(",", "between \(t.text)'s arguments")
                let wanted = try literal()
                if mode != .one, case .array = wanted {} else if mode != .one {
                    throw ParseError(description: "\(t.text) takes a list, e.g. [1, 2]")
                }
                try expect(")", "closing \(t.text)")
                return .contains(target, mode, wanted)
            }
            let left = try operand()
            if isWord("is") {
                position += 1
                let negated = isWord("not")
                if negated { position += 1 }
                guard isWord("null") else { throw ParseError(description: "expected 'null' after 'is'") }
                position += 1
                return .isNull(left, negated: negated)
            }
            if isWord("in") || isWord("not") {
                let negated = isWord("not")
                position += 1
                if negated {
                    guard isWord("in") else { throw ParseError(description: "expected 'in' after 'not'") }
                    position += 1
                }
                guard case .array(let values) = try literal() else { throw ParseError(description: "'in' needs a list like [1, 2]") }
                return .member(left, values: values, negated: negated)
            }
            if isWord("like") {
                position += 1
                let t = try next()
                guard t.kind == .string else { throw ParseError(description: "'like' needs a string pattern") }
                return .like(left, pattern: t.text)
            }
            let opToken = try next()
            guard opToken.kind == .symbol, let op = Op(rawValue: opToken.text) else {
                throw ParseError(description: "'\(opToken.text)' is not a comparison this tool evaluates (==, !=, <, <=, >, >=, in, like, is null)")
            }
            let right = try operand()
            if isSymbol("<") || isSymbol(">") || isSymbol("<=") || isSymbol(">=") {
                throw ParseError(description: "chained comparisons (1 < x < 5) are not evaluated; write 1 < x and x < 5")
            }
            if case .value = left, case .value = right { throw ParseError(description: "a comparison needs a field on one side") }
            return .compare(left, op, right)
        }

        /// term (( + | - ) term)*
        mutating func operand() throws -> Operand {
            var e = try term()
            while let t = peek, t.kind == .symbol, t.text == "+" || t.text == "-" {
                position += 1
                e = .arithmetic(e, Arithmetic(rawValue: t.text)!, try term())
            }
            return e
        }

        /// factor (( * | / | % ) factor)*
        mutating func term() throws -> Operand {
            var e = try factor()
            while let t = peek, t.kind == .symbol, ["*", "/", "%"].contains(t.text) {
                position += 1
                e = .arithmetic(e, Arithmetic(rawValue: t.text)!, try factor())
            }
            if isSymbol("**") { throw ParseError(description: "'**' (power) is not evaluated") }
            return e
        }

        mutating func factor() throws -> Operand {
            if isSymbol("(") {
                position += 1
                let e = try operand()
                try expect(")", "closing the parenthesis")
                return e
            }
            if isSymbol("[") { return .value(try literal()) }
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
                case "array_length":
                    try expect("(", "after array_length")
                    let inner = try operand()
                    try expect(")", "closing array_length")
                    return .arrayLength(inner)
                default:
                    if isSymbol("(") { throw ParseError(description: "the function '\(t.text)' is not evaluated") }
                    var path: [PathStep] = []
                    while isSymbol("[") {
                        position += 1
                        let k = try next()
                        switch k.kind {
                        case .string: path.append(.key(k.text))
                        case .number:
                            guard let i = Int(k.text), i >= 0 else { throw ParseError(description: "'\(k.text)' is not an index") }
                            path.append(.index(i))
                        default: throw ParseError(description: "a path step is a \"key\" or an index")
                        }
                        try expect("]", "closing the path step")
                    }
                    return .field(t.text, path: path)
                }
            case .symbol:
                throw ParseError(description: "unexpected '\(t.text)'")
            }
        }

        /// A literal: number, string, boolean, or a list of them.
        mutating func literal() throws -> Value {
            if isSymbol("[") {
                position += 1
                var values: [Value] = []
                while !isSymbol("]") {
                    values.append(try literal())
                    if isSymbol(",") { position += 1 } else if !isSymbol("]") { throw ParseError(description: "expected ',' or ']' in the list") }
                }
                position += 1
                return .array(values)
            }
            let t = try next()
            switch t.kind {
            case .number:
                guard let d = Double(t.text) else { throw ParseError(description: "'\(t.text)' is not a number") }
                return .number(d)
            case .string: return .text(t.text)
            case .word where t.text.lowercased() == "true": return .bool(true)
            case .word where t.text.lowercased() == "false": return .bool(false)
            default: throw ParseError(description: "a list holds values, not '\(t.text)'")
            }
        }
    }
}

extension FilterExpression.Operand {
    var fields: Set<String> {
        switch self {
        case .field(let name, _): return [name]
        case .value: return []
        case .arithmetic(let a, _, let b): return a.fields.union(b.fields)
        case .arrayLength(let a): return a.fields
        }
    }

    /// The operand's value for a row; nil when it has none (null, a missing key, text in arithmetic).
    func evaluate(_ value: (String) -> FilterExpression.Value?) -> FilterExpression.Value? {
        switch self {
        case .value(let v): return v
        case .field(let name, let path):
            var v = value(name)
            for step in path {
                switch (step, v) {
                case (.key(let k), .object(let o)?): v = o[k]
                case (.index(let i), .array(let a)?): v = i < a.count ? a[i] : nil
                default: v = nil
                }
            }
            if case .null? = v { return nil }
            return v
        case .arithmetic(let a, let op, let b):
            guard case .number(let x)? = a.evaluate(value), case .number(let y)? = b.evaluate(value) else { return nil }
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide: return y == 0 ? nil : .number(x / y)
            case .modulo:
                guard y != 0, x == x.rounded(), y == y.rounded() else { return nil }
                return .number(Double(Int64(x) % Int64(y)))
            }
        case .arrayLength(let a):
            guard case .array(let items)? = a.evaluate(value) else { return nil }
            return .number(Double(items.count))
        }
    }
}
