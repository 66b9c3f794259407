import ArgumentParser
import Foundation
import MilvusClient
import ScenarioCommands
import ScenarioRecord

/// The `milvus-scenario` command: runs declarative YAML scenarios against Milvus.
@main
struct MilvusScenario: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "milvus-scenario",
        abstract: "Run declarative YAML scenarios against Milvus deployments.",
        discussion: """
        A scenario file declares steps (create, insert, index, load, release, drop, \
        concurrentSearch, hotSearch, sweep, monitor, health, watch) and thresholds such as \
        'baseline.p99 < 100ms'. See docs/scenario-reference.md for every key.

        Exit codes: 0 success · 1 a threshold failed (or compare found a regression) · \
        2 invalid scenario or usage · 3 runtime failure · 130 interrupted.
        """,
        version: version,
        subcommands: [RunCommand.self, ValidateCommand.self, ReportCommand.self, MergeCommand.self, CompareCommand.self, BaselineCommand.self, SchemaCommand.self, ReferenceCommand.self]
    )

    /// Parses and runs, mapping argument errors to exit code 2 (the tool's "invalid input").
    static func main() async {
        // Fewer thread hops per Milvus call (see bench/CLIENT-CPU.md).
        MilvusClient.useEventLoopAsGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static func exit(withError error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || code.rawValue == ExitCode.success.rawValue {
            Self.exit(withError: error as Error?)
        }
        let message = fullMessage(for: error)
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        // ArgumentParser uses 64 for usage errors; this tool promises 2.
        Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
    }
}
