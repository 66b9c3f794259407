import Foundation
import PackagePlugin

/// Generates each layer's list of step kinds from the one list, `StepKinds.all` in
/// `Sources/ScenarioSpec/StepKinds.swift`: the record's details catalog (ScenarioRecord), the
/// runners (ScenarioRunner) and the reporters (ScenarioReport). A kind listed there without its
/// `RecordedStep` conformance, `<Name>Runner` or `<Name>Reporter` is a compile error in that
/// layer, not a runtime test.
@main
struct StepKindRegistry: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let list = context.package.directoryURL.appending(path: "Sources/ScenarioSpec/StepKinds.swift")
        let output = context.pluginWorkDirectoryURL.appending(path: "\(target.name)+StepKinds.swift")
        return [
            .buildCommand(displayName: "Generating \(target.name)'s list of step kinds from StepKinds.all",
                          executable: try context.tool(named: "StepKindRegistryGenerator").url,
                          arguments: [list.path, target.name, output.path],
                          inputFiles: [list], outputFiles: [output])
        ]
    }
}
