import ArgumentParser
import Foundation
import ScenarioSpec

/// `milvus-scenario schema`
public struct SchemaCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the scenario format.",
        discussion: """
        The schema is generated from the same model the validator uses. Save it and point \
        your editor's YAML language server at it with a first line such as
          # yaml-language-server: $schema=../docs/scenario.schema.json
        to get completion and inline checks. 'validate' remains the authority: it also checks \
        variables, thresholds and references between steps.
        """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    public func run() throws {
        try emit(ScenarioJSONSchema.generate().rendered() + "\n", to: output)
    }
}

/// `milvus-scenario reference`
public struct ReferenceCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Print the scenario reference (Markdown): every step kind, key, default and metric.",
        discussion: "This is the text of docs/scenario-reference.md, generated from the model."
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    public func run() throws {
        try emit(ReferenceDocument.generate(), to: output)
    }
}

func emit(_ text: String, to path: String?) throws {
    guard let path else {
        print(text, terminator: "")
        return
    }
    do {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        printError("error: cannot write \(path): \(error.localizedDescription)")
        throw ExitCode(2)
    }
}
