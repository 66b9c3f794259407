import ArgumentParser
import Foundation
import ScenarioCommands
import ScenarioSpec
import ScenarioRunner

/// `milvus-scenario validate FILE...`
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files and report every problem at once.",
        discussion: """
        Reads each file, resolves ${VAR} references, and checks every step, value, \
        threshold and reference. Problems are printed as 'file:line:col: error: message' \
        (warnings likewise). Nothing is sent to any server, unless --target is given: then each \
        valid file is also checked against that server — what its steps need that the server \
        lacks (e.g. Upsert on Milvus before 2.3, GetReplicas on milvus-lite) — without running \
        anything.

        Exits 0 when every file is valid (warnings allowed), 2 otherwise, 3 when --target cannot \
        be reached.
        """
    )

    @Argument(help: ArgumentHelp("Scenario files to check.", valueName: "file"))
    var files: [String]

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a variable for ${NAME}, overriding the scenario's 'vars:' and the environment. Repeatable.", valueName: "name=value"))
    var variables: [VariableAssignment] = []

    @Option(help: "Output format: 'text' (diagnostics on standard error) or 'json' (one document on standard output).")
    var format: DiagnosticFormat = .text

    @Flag(name: .customLong("strict"), help: "Treat warnings as errors.")
    var strict = false

    @Option(help: ArgumentHelp("Also check each valid file against this Milvus server (e.g. http://127.0.0.1:19530): what its steps need that the server lacks. Connects and probes; runs nothing.", valueName: "uri"))
    var target: String?

    func run() async throws {
        var allValid = true
        var reports: [JSONValue] = []
        for file in files {
            var outcome = ScenarioLoader.load(path: file, variables: variables.dictionary, dataFiles: VectorFileShapes())
            if let target, let scenario = outcome.scenario, outcome.errors.isEmpty {
                do {
                    let (server, problems) = try await ServerCapabilities.check(scenario, uri: target)
                    outcome.diagnostics += problems
                    if problems.isEmpty, format == .text { print("\(file): \(server) at \(target) has what it needs") }
                } catch {
                    printError("error: cannot check \(file) against \(target): \(error)")
                    throw ExitCode(3)
                }
            }
            let failed = !outcome.errors.isEmpty || (strict && !outcome.diagnostics.isEmpty)
            if failed { allValid = false }
            switch format {
            case .text:
                for d in outcome.diagnostics { printError(d.description) }
                let errors = outcome.errors.count
                let warnings = outcome.diagnostics.count - errors
                if let s = outcome.scenario, !failed {
                    let steps = s.allSteps.count
                    print("\(file): valid — \(steps) step\(steps == 1 ? "" : "s"), \(s.thresholds.count) threshold\(s.thresholds.count == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")")
                } else {
                    print("\(file): invalid — \(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")")
                }
            case .json:
                reports.append(.object([
                    ("file", .string(file)),
                    ("valid", .bool(!failed)),
                    ("steps", outcome.scenario.map { .int($0.allSteps.count) } ?? .null),
                    ("thresholds", outcome.scenario.map { .int($0.thresholds.count) } ?? .null),
                    ("diagnostics", .array(outcome.diagnostics.map(Self.json))),
                ]))
            }
        }
        if format == .json {
            print(JSONValue.object([("valid", .bool(allValid)), ("files", .array(reports))]).rendered())
        }
        if !allValid { throw ExitCode(2) }
    }

    static func json(_ d: Diagnostic) -> JSONValue {
        .object([
            ("file", .string(d.mark.file)),
            ("line", .int(d.mark.line)),
            ("column", .int(d.mark.column)),
            ("severity", .string(d.severity.rawValue)),
            ("code", .string(d.code.rawValue)),
            ("message", .string(d.message)),
        ])
    }
}
