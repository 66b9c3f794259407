/// The field names a Milvus boolean expression (a search `filter`) refers to, so a scenario that
/// created its collection can be checked before anything runs. A small scanner, not a parser:
/// it skips string literals, numbers, operators, keywords and function names (an identifier
/// followed by `(`), and reports every other identifier with its offset in the text. JSON and
/// array access (`meta["k"]`, `tags[0]`) report the field before the brackets.
public enum FilterFields {
    /// Words of the expression language that are not fields (any case, as Milvus accepts).
    static let keywords: Set<String> = ["and", "or", "not", "in", "like", "true", "false", "is", "null", "exists"]

    /// Field names in the order they appear, each with the offset (in characters) of its first use.
    public static func names(in expression: String) -> [(name: String, offset: Int)] {
        let chars = Array(expression)
        var found: [(String, Int)] = []
        var seen: Set<String> = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\"" || c == "'" {
                // A string literal, with backslash escapes.
                i += 1
                while i < chars.count, chars[i] != c { i += chars[i] == "\\" ? 2 : 1 }
                i += 1
            } else if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                // A number, including 1.5e-3 (an exponent's letter must not start an identifier).
                i += 1
                while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "_" ||
                    ((chars[i] == "e" || chars[i] == "E") && i + 1 < chars.count && (chars[i + 1].isNumber || chars[i + 1] == "-" || chars[i + 1] == "+")) {
                    i += (chars[i] == "e" || chars[i] == "E") ? 2 : 1
                }
            } else if c.isLetter || c == "_" || c == "$" {
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "$" { i += 1 }
                let word = String(chars[start..<i])
                var next = i
                while next < chars.count, chars[next] == " " || chars[next] == "\t" { next += 1 }
                let isCall = next < chars.count && chars[next] == "("
                if !isCall, !keywords.contains(word.lowercased()), !seen.contains(word) {
                    seen.insert(word)
                    found.append((word, start))
                }
            } else {
                i += 1
            }
        }
        return found
    }
}
