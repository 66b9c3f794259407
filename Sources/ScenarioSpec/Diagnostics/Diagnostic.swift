/// A position in a scenario file: 1-based line and column (columns count characters, not bytes).
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The mark `offset` characters further along the same line.
    public func advanced(by offset: Int) -> Mark {
        Mark(file: file, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a scenario, with the place it was found.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    /// Which rule found it: stable, unlike the message's wording.
    public var code: DiagnosticCode
    public var mark: Mark
    public var message: String

    public init(_ severity: Severity, _ code: DiagnosticCode, at mark: Mark, _ message: String) {
        self.severity = severity
        self.code = code
        self.mark = mark
        self.message = message
    }

    /// `file:line:col: error: message`, the form compilers use so editors can jump to it.
    public var description: String { "\(mark): \(severity.rawValue): \(message)" }

    /// `file:line:col: error[code]: message`: the form of the corpus files, with the code.
    public var descriptionWithCode: String { "\(mark): \(severity.rawValue)[\(code.rawValue)]: \(message)" }
}

/// Collects diagnostics during reading and validation, dropping exact repeats
/// (a sweep decodes its nested steps once per value and would otherwise repeat itself).
public struct DiagnosticSink: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    private var seen: Set<Diagnostic> = []

    public init() {}

    public mutating func error(_ mark: Mark, _ code: DiagnosticCode, _ message: String) {
        append(Diagnostic(.error, code, at: mark, message))
    }

    public mutating func warning(_ mark: Mark, _ code: DiagnosticCode, _ message: String) {
        append(Diagnostic(.warning, code, at: mark, message))
    }

    public mutating func append(_ diagnostic: Diagnostic) {
        if seen.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        for d in other { append(d) }
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Sorted by position, as a reader goes through the file.
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            if a.element.mark != b.element.mark { return a.element.mark < b.element.mark }
            return a.offset < b.offset
        }.map(\.element)
    }
}
