import ArgumentParser
import Foundation
import ScenarioRecord
import ScenarioReport
import ScenarioRunner

/// `milvus-scenario report RUN.json`: rebuilds a run's reports from its run record.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild a run's reports (report.md, CSV, junit.xml, SVG) from its run.json.",
        discussion: """
        The reports are pure functions of the run record, so this gives the same files the run \
        wrote — or the same reports in the other language, or after a format change. Writes \
        into the run.json's folder unless --output is given.
        """
    )

    @Argument(help: ArgumentHelp("A run record written by 'run'.", valueName: "run.json"))
    var record: String

    @Option(help: ArgumentHelp("Folder to write into (default: the record's folder).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("Language of the reports: en or zh (default: the scenario's).", valueName: "language"))
    var language: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("Only these formats: markdown, csv, junit, svg. Repeatable (default: the scenario's).", valueName: "format"))
    var formats: [String] = []

    func validate() throws {
        if let language, !["en", "zh"].contains(language) { throw ValidationError("--language takes en or zh, not '\(language)'") }
        for f in formats where ReportSet.Format(rawValue: f) == nil {
            throw ValidationError("unknown format '\(f)'; use markdown, csv, junit or svg")
        }
    }

    func run() throws {
        let run = try loadRecord(record)
        let directory = output.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: record).deletingLastPathComponent()
        let chosen = formats.isEmpty ? (run.scenario.formats ?? ReportSet.Format.allCases.map(\.rawValue)) : formats
        let names = try ReportSet.write(run, to: directory, formats: Set(chosen.compactMap(ReportSet.Format.init(rawValue:))), language: language)
        print("wrote \(names.count) file\(names.count == 1 ? "" : "s") into \(directory.path): \(names.joined(separator: ", "))")
    }
}

/// `milvus-scenario compare OLD NEW`: regressions between two runs.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs' metrics; exit 1 when one regressed beyond the tolerance.",
        discussion: """
        Prints a Markdown table of every metric both runs recorded for the same step (sweep rows' \
        steps as <sweep>[<value>].<id>), with the change. A regression is a change in the worse \
        direction beyond --max-regression: lower QPS, higher latency, more errors; for recall, a drop \
        beyond --max-recall-drop. Exit codes: \
        0 no regression · 1 a regression · 2 unreadable input.
        """
    )

    @Argument(help: ArgumentHelp("The earlier run's run.json.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The later run's run.json.", valueName: "new"))
    var new: String

    @Option(name: .customLong("max-regression"), help: ArgumentHelp("Tolerated change in the worse direction, e.g. 10% (default 10%).", valueName: "percent"))
    var maxRegression: String = "10%"

    @Option(name: .customLong("max-recall-drop"), help: ArgumentHelp("Tolerated drop of recall (and other 0–1 metrics), absolute, e.g. 0.01 (default).", valueName: "fraction"))
    var maxRecallDrop: Double = 0.01

    @Option(help: ArgumentHelp("Also write the table to this file.", valueName: "file"))
    var output: String?

    var tolerance: Double? {
        let t = maxRegression.hasSuffix("%") ? String(maxRegression.dropLast()) : maxRegression
        return Double(t).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
    }

    func validate() throws {
        if tolerance == nil { throw ValidationError("--max-regression takes a percentage such as 10%, not '\(maxRegression)'") }
        if !(0...1).contains(maxRecallDrop) { throw ValidationError("--max-recall-drop takes a fraction from 0 to 1 such as 0.01, not \(maxRecallDrop)") }
    }

    func run() throws {
        let comparison = Comparison(old: try loadRecord(old), new: try loadRecord(new), maxRegression: tolerance!, maxFractionDrop: maxRecallDrop)
        let text = comparison.markdown(oldName: old, newName: new)
        print(text, terminator: "")
        if let output { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) }
        if !comparison.regressions.isEmpty { throw ExitCode(1) }
    }
}

/// Reads a run record, or exits 2 with a message naming the file.
func loadRecord(_ path: String) throws -> RunRecord {
    guard FileManager.default.fileExists(atPath: path) else {
        printError("error: \(path): no such file")
        throw ExitCode(2)
    }
    do {
        return try RunRecord.load(from: URL(fileURLWithPath: path))
    } catch let error as RecordFile.ReadError {
        // The message names the file: a newer format, or what is missing or wrong, and where.
        printError("error: \(error)")
        throw ExitCode(2)
    } catch {
        printError("error: \(path): could not be read: \(error.localizedDescription)")
        throw ExitCode(2)
    }
}
