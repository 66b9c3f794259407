import ArgumentParser
import Foundation
import ScenarioRecord

/// Ways of printing diagnostics.
public enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--var NAME=VALUE`, parsed.
public struct VariableAssignment: ExpressibleByArgument {
    public var name: String
    public var value: String

    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "=") else { return nil }
        name = String(argument[..<eq])
        value = String(argument[argument.index(after: eq)...])
        guard !name.isEmpty else { return nil }
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}

extension Array where Element == VariableAssignment {
    public var dictionary: [String: String] {
        Dictionary(map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

public func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `run`'s and `merge`'s exit: 0 passed, 1 a threshold failed, 130 interrupted, 3 a step failed
/// (its failure printed).
public func exitForOutcome(_ record: RunRecord) throws {
    switch record.status {
    case .passed: return
    case .thresholdsFailed: throw ExitCode(1)
    case .interrupted: throw ExitCode(130)
    case .failed, .running:
        if let f = record.failure { printError("error: \(f)") }
        throw ExitCode(3)
    }
}

/// A report folder's name: the UTC time, `20261203T140000Z`.
public func folderStamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return formatter.string(from: date)
}
