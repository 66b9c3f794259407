import ArgumentParser
import Foundation
import ScenarioRecord
import ScenarioReport
import ScenarioSpec

/// `milvus-scenario report RUN.json`: rebuilds a run's reports from its run record;
/// `report --matrix DIR`: the chaos matrix's table from its case folders.
public struct ReportCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild a run's reports (report.md, CSV, junit.xml, SVG) from its run.json, or a chaos matrix's table from its case folders.",
        discussion: """
        The reports are pure functions of the run record, so this gives the same files the run \
        wrote — or the same reports in the other language, or after a format change. Writes \
        into the run.json's folder unless --output is given.

        With --matrix DIR: DIR holds one folder per chaos case (each a run's report folder with \
        the case.json scripts/chaos writes beside its run.json); writes chaos.md, chaos.csv and \
        chaos.json into DIR (or --output) and prints one line per case. Exit 2 when DIR holds \
        no case or a record of a newer format.
        """
    )

    @Argument(help: ArgumentHelp("A run record written by 'run'.", valueName: "run.json"))
    var record: String?

    @Option(help: ArgumentHelp("A chaos matrix's folder (scripts/chaos --out): rebuild its chaos.md, .csv and .json from the case folders.", valueName: "dir"))
    var matrix: String?

    @Option(help: ArgumentHelp("Folder to write into (default: the record's folder, or the matrix folder).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("Language of the reports: en or zh (default: the scenario's).", valueName: "language"))
    var language: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("Only these formats: markdown, csv, junit, svg. Repeatable (default: the scenario's).", valueName: "format"))
    var formats: [String] = []

    public func validate() throws {
        switch (record, matrix) {
        case (nil, nil): throw ValidationError("give a run.json, or --matrix DIR")
        case (_?, _?): throw ValidationError("give a run.json or --matrix DIR, not both")
        default: break
        }
        if matrix != nil, language != nil || !formats.isEmpty {
            throw ValidationError("--matrix writes chaos.md, chaos.csv and chaos.json in English; --language and --format apply to a run.json")
        }
        if let language, !["en", "zh"].contains(language) { throw ValidationError("--language takes en or zh, not '\(language)'") }
        for f in formats where ReportSet.Format(rawValue: f) == nil {
            throw ValidationError("unknown format '\(f)'; use markdown, csv, junit or svg")
        }
    }

    public func run() throws {
        if let matrix { return try writeMatrix(matrix) }
        let record = record!
        let run = try loadRecord(record)
        let directory = output.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: record).deletingLastPathComponent()
        let chosen = formats.isEmpty ? (run.scenario.formats ?? ReportSet.Format.allCases.map(\.rawValue)) : formats
        let names = try ReportSet.write(run, to: directory, formats: Set(chosen.compactMap(ReportSet.Format.init(rawValue:))), language: language)
        print("wrote \(names.count) file\(names.count == 1 ? "" : "s") into \(directory.path): \(names.joined(separator: ", "))")
    }

    func writeMatrix(_ path: String) throws {
        let table: FaultMatrix
        do { table = try FaultMatrix.read(URL(fileURLWithPath: path)) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        let directory = URL(fileURLWithPath: output ?? path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let names = try FaultMatrixReport.write(table, to: directory)
        for row in table.rows { print(FaultMatrixReport.summary(row)) }
        print("wrote \(names.joined(separator: ", ")) into \(directory.path) (\(table.rows.count) case\(table.rows.count == 1 ? "" : "s"))")
    }
}

/// `milvus-scenario compare OLD NEW` or `compare --baseline DIR NEW`: the regression gate.
public struct CompareCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Gate on regressions: today's run against an earlier one or a baseline history; exit 1 on a significant regression.",
        discussion: """
        Judges the gated metrics — the new run's 'regressions:' block, or --metric, or by default \
        QPS, P50/P95/P99, error rate, recall and rows/s of every step — and shows the others. A \
        gated metric regresses only when its change in the worse direction is beyond the tolerance \
        AND significant: the one-sided 95 % bound of the change, resampled from both runs' latency \
        histograms and per-interval series, lies beyond the tolerance. With --baseline, today's run \
        is compared with the median of the last runs of the same scenario in the folder, and must \
        also leave their run-to-run spread. A change that is beyond the tolerance but not \
        significant, or that rests on too few queries, is "inconclusive" and does not fail. \
        Between two single runs, a percentage tolerance also allows for the drift identical runs \
        show on a shared machine (--run-noise); a history measures it instead. \
        Steps are matched by id (a sweep row's as <sweep>[<value>].<id>). \
        Exit codes: 0 no significant regression · 1 a significant regression · 2 unreadable input.
        """
    )

    @Argument(help: ArgumentHelp("The earlier run's run.json, then the new one's (with --baseline: only the new one).", valueName: "run.json"))
    var records: [String] = []

    @Option(help: ArgumentHelp("Compare with the last runs of the same scenario in this folder (kept with 'baseline add').", valueName: "dir"))
    var baseline: String?

    @Option(help: ArgumentHelp("With --baseline: how many of the latest runs.", valueName: "n"))
    var last: Int = 10

    @Option(help: ArgumentHelp("With --baseline: which runs are the same scenario, by file 'hash' or by 'name'.", valueName: "hash|name"))
    var match: String = "hash"

    @Option(name: .customLong("metric"), help: ArgumentHelp("Gate on this metric only (repeatable): <step>.<metric>[=<tolerance>], e.g. baseline.p99=10%, *.qps, baseline.recall=0.01. Replaces the scenario's 'regressions:' block.", valueName: "metric"))
    var metrics: [String] = []

    @Option(name: .customLong("max-regression"), help: ArgumentHelp("Default tolerance of latencies, rates and counts, in percent of the earlier value.", valueName: "percent"))
    var maxRegression: String = "10%"

    @Option(name: .customLong("max-recall-drop"), help: ArgumentHelp("Default tolerated drop of recall (and other 0–1 metrics), absolute.", valueName: "fraction"))
    var maxRecallDrop: Double = 0.01

    @Option(name: .customLong("max-error-rate-rise"), help: ArgumentHelp("Default tolerated rise of error rates (and other percents), in percentage points.", valueName: "points"))
    var maxErrorRateRise: Double = 0.5

    @Option(help: ArgumentHelp("One-sided confidence a regression must reach, e.g. 95% or 99%.", valueName: "percent"))
    var confidence: String = "95%"

    @Option(name: .customLong("run-noise"), help: ArgumentHelp("Between two single runs: how far identical runs drift apart, allowed on top of a percentage tolerance (measured on a shared 2-core machine: bench/REGRESSION-GATE.md). A --baseline history measures it instead.", valueName: "percent"))
    var runNoise: String = "\(ScenarioNumber.format(RunComparison.Settings.defaultRunNoisePercent))%"

    @Option(help: ArgumentHelp("Also write the Markdown table to this file.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write a JUnit file with one test case per gated metric.", valueName: "file"))
    var junit: String?

    static func percent(_ text: String) -> Double? {
        let t = text.hasSuffix("%") ? String(text.dropLast()) : text
        return Double(t).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
    }

    public func validate() throws {
        if baseline != nil, records.count != 1 { throw ValidationError("with --baseline give one run.json, the new run's (got \(records.count))") }
        if baseline == nil, records.count != 2 { throw ValidationError("give two run records, the earlier and the new one (or --baseline DIR and the new one); got \(records.count)") }
        if Self.percent(maxRegression) == nil { throw ValidationError("--max-regression takes a percentage such as 10%, not '\(maxRegression)'") }
        if !(0...1).contains(maxRecallDrop) { throw ValidationError("--max-recall-drop takes a fraction from 0 to 1 such as 0.01, not \(maxRecallDrop)") }
        if !(0...100).contains(maxErrorRateRise) { throw ValidationError("--max-error-rate-rise takes percentage points from 0 to 100 such as 0.5, not \(maxErrorRateRise)") }
        guard let c = Self.percent(confidence), c >= 50, c < 100 else { throw ValidationError("--confidence takes a percentage from 50% to below 100%, such as 95%, not '\(confidence)'") }
        _ = c
        if Self.percent(runNoise) == nil { throw ValidationError("--run-noise takes a percentage such as 20%, not '\(runNoise)'") }
        if last < 1 { throw ValidationError("--last takes a number of runs of at least 1, not \(last)") }
        if BaselineFolder.Match(rawValue: match) == nil { throw ValidationError("--match takes hash or name, not '\(match)'") }
    }

    public func run() throws {
        let new = try loadRecord(records.last!)
        var settings = RunComparison.Settings(relativePercent: Self.percent(maxRegression)!, fractionDrop: maxRecallDrop,
                                              percentPoints: maxErrorRateRise, confidence: Self.percent(confidence)! / 100,
                                              runNoisePercent: Self.percent(runNoise)!)
        settings.rules = try metrics.map { try Self.rule($0, in: new) }
        let earlier: [RunRecord]
        let oldName: String
        if let baseline {
            let folder = BaselineFolder(URL(fileURLWithPath: baseline))
            let (runs, unreadable): ([RunRecord], [String])
            do { (runs, unreadable) = try folder.history(of: new, match: BaselineFolder.Match(rawValue: match)!, last: last) } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            for u in unreadable { printError("warning: left out of the baseline: \(u)") }
            guard !runs.isEmpty else {
                let which = match == "hash" ? "of this scenario file (sha256 \(new.scenario.sha256.prefix(12)))" : "named '\(new.scenario.name)'"
                print("No baseline runs \(which) in \(baseline): nothing to compare. Add runs with 'milvus-scenario baseline add RUN.json \(baseline)'.")
                return
            }
            earlier = runs
            oldName = baseline
        } else {
            earlier = [try loadRecord(records[0])]
            oldName = records[0]
        }
        let comparison = RunComparison(baseline: earlier, new: new, settings: settings)
        let names = RunComparison.Names(old: oldName, new: records.last!)
        let text = comparison.markdown(names)
        print(text, terminator: "")
        for w in comparison.warnings { printError("warning: \(w)") }
        if let output { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) }
        if let junit { try Data(comparison.junit(names).utf8).write(to: URL(fileURLWithPath: junit), options: .atomic) }
        if !comparison.regressions.isEmpty { throw ExitCode(1) }
    }

    /// `<step>.<metric>[=<tolerance>]` (or `:`), resolved against the new run's steps.
    static func rule(_ text: String, in record: RunRecord) throws -> RegressionRule {
        let parts = text.split(maxSplits: 1, whereSeparator: { $0 == "=" || $0 == ":" }).map(String.init)
        let subject = parts[0].trimmingCharacters(in: .whitespaces)
        let steps = RunComparison.index(record).map { (key: $0.0, kind: $0.1.kind) }
        guard let (step, spec) = RegressionRule.resolve(subject, steps: steps) else {
            printError("error: --metric \(text): no step of the new run records '\(subject)'; its steps: \(steps.map { "\($0.key) (\($0.kind))" }.joined(separator: ", "))")
            throw ExitCode(2)
        }
        guard spec.better != .neither else {
            printError("error: --metric \(text): '\(spec.name)' has no better or worse direction, so it cannot regress")
            throw ExitCode(2)
        }
        guard parts.count == 2 else { return RegressionRule(step: step, metric: spec.name, tolerance: nil) }
        switch RegressionTolerance.parse(parts[1], unit: spec.unit, subject: subject) {
        case .success(let t): return RegressionRule(step: step, metric: spec.name, tolerance: t)
        case .failure(let f):
            printError("error: --metric \(text): \(f.message)")
            throw ExitCode(2)
        }
    }
}

/// `milvus-scenario baseline add RUN.json DIR`: keeps the folder `compare --baseline` reads.
public struct BaselineCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Keep a folder of baseline runs for 'compare --baseline'.",
        subcommands: [Add.self, List.self]
    )

    public struct Add: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(
            abstract: "Copy a finished run's record into the baseline folder; keep the latest runs of its scenario.",
            discussion: "The file is named <scenario>-<start time>-<file hash>.json. Runs that failed or were interrupted are refused (exit 2): they are not a baseline."
        )

        @Argument(help: ArgumentHelp("A run record written by 'run'.", valueName: "run.json"))
        var record: String

        @Argument(help: ArgumentHelp("The baseline folder (created when missing).", valueName: "dir"))
        var directory: String

        @Option(help: ArgumentHelp("Runs of the same scenario to keep; older ones are removed.", valueName: "n"))
        var keep: Int = 20

        public func validate() throws {
            if keep < 1 { throw ValidationError("--keep takes at least 1, not \(keep)") }
        }

        public func run() throws {
            _ = try loadRecord(record)
            let data = try Data(contentsOf: URL(fileURLWithPath: record))
            do {
                let (added, removed) = try BaselineFolder(URL(fileURLWithPath: directory)).add(data, file: record, keep: keep)
                print(added.map { "added \($0) to \(directory)" } ?? "\(record) is already in \(directory)")
                for r in removed { print("removed \(r) (keeping the latest \(keep))") }
            } catch let problem as BaselineFolder.Problem {
                printError("error: \(problem)")
                throw ExitCode(2)
            }
        }
    }

    public struct List: ParsableCommand {
        public init() {}

        public static let configuration = CommandConfiguration(abstract: "List the baseline runs in a folder, per scenario.")

        @Argument(help: ArgumentHelp("The baseline folder.", valueName: "dir"))
        var directory: String

        public func run() throws {
            let (runs, unreadable) = try BaselineFolder(URL(fileURLWithPath: directory)).records()
            for u in unreadable { printError("warning: \(u)") }
            if runs.isEmpty { print("no baseline runs in \(directory)") }
            for (name, group) in Dictionary(grouping: runs, by: { $0.record.scenario.name }).sorted(by: { $0.key < $1.key }) {
                print("\(name): \(group.count) run\(group.count == 1 ? "" : "s")")
                for r in group {
                    let t = r.record.target
                    print("  \(r.file)  \(r.record.status.rawValue)  \(t.serverVersion ?? "?") \(t.deployMode ?? "")")
                }
            }
        }
    }
}

/// Reads a run record, or exits 2 with a message naming the file.
public func loadRecord(_ path: String) throws -> RunRecord {
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
