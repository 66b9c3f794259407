import ArgumentParser
import Foundation
import ScenarioRecord
import ScenarioReport

/// `milvus-scenario merge RUN.json...`: the shards of one sharded run as one run record and its reports.
public struct MergeCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the run records of the shards of one run (run --shard I/N) into one record and its reports.",
        discussion: """
        Each load step's latency histograms are added (exact percentiles of all queries), counts \
        and errors summed, QPS taken over the common window (the first shard's start to the last \
        one's end of the step); a step whose shards did not overlap for 90 % of that window says \
        so. What the server was asked — per-node traffic, monitors, health, recall, the setup \
        steps — comes from shard 0, which read it once for all. The scenario's thresholds are \
        judged again on the merged numbers.

        Every shard 0…N−1 must be given, finished, of the same scenario file (SHA-256); a missing \
        or unfinished shard is an error, or with --allow-partial a note naming it.

        With --check, the merged run.json is read back and every load step's queries, errors and \
        latency histogram buckets are compared with the shards' sums; a table shows them, and a \
        difference exits 3.

        Exit codes as for run: 0 passed · 1 a threshold failed · 2 unusable input · 3 a shard's \
        step failed (or --check found a difference) · 130 a shard was interrupted.
        """
    )

    @Argument(help: ArgumentHelp("Each shard's run.json, or the folder holding it.", valueName: "run.json|dir"))
    var records: [String]

    @Option(help: ArgumentHelp("Folder to write the merged run.json and reports into (default: reports/<name>/<UTC time>-merged/).", valueName: "dir"))
    var output: String?

    @Flag(name: .customLong("allow-partial"), help: "Merge what there is when shards are missing or did not finish, with a note naming them, instead of failing.")
    var allowPartial = false

    @Flag(help: "Read the merged run.json back and check each load step's queries, errors and histogram against the shards' sums; exit 3 on a difference.")
    var check = false

    @Flag(name: .shortAndLong, help: "Print only errors and the result line.")
    var quiet = false

    public func validate() throws {
        if records.isEmpty { throw ValidationError("give the run.json (or its folder) of every shard") }
    }

    public func run() throws {
        let inputs = try records.map { path -> ShardMerge.Input in
            var isFolder: ObjCBool = false
            let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
                ? URL(fileURLWithPath: path).appendingPathComponent(RecordFile.name).path : path
            return ShardMerge.Input(source: file, record: try loadRecord(file))
        }
        let merged: RunRecord
        do {
            merged = try ShardMerge.merge(inputs, allowPartial: allowPartial)
        } catch let problem as ShardMerge.Problem {
            printError("error: \(problem)")
            throw ExitCode(2)
        }
        let directory = try outputFolder(for: merged)
        do {
            try RecordFile.write(merged, to: directory)
            // Rendered from run.json as written, so `milvus-scenario report run.json` gives the same bytes.
            let written = try RunRecord.load(from: directory.appendingPathComponent(RecordFile.name))
            let formats = Set((merged.scenario.formats ?? ReportSet.Format.allCases.map(\.rawValue)).compactMap(ReportSet.Format.init(rawValue:)))
            try ReportSet.write(written, to: directory, formats: formats)
            if check { try checkTotals(written, inputs.map(\.record)) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: could not write into \(directory.path): \(error)")
            throw ExitCode(3)
        }
        let shards = merged.shard?.merged?.count ?? 0
        if !quiet { print(Summary.text(merged), terminator: "") }
        else { print("result: \(Summary.verdict(merged.status))") }
        print("merged \(shards) of \(merged.shard?.count ?? 0) shards; reports: \(directory.path)")
        try exitForOutcome(merged)
    }

    /// The merged totals against the shards' sums, as written to disk.
    func checkTotals(_ merged: RunRecord, _ shards: [RunRecord]) throws {
        let steps = ShardCheck.check(merged: merged, shards: shards)
        print(ShardCheck.table(steps), terminator: "")
        let wrong = steps.filter { !$0.isExact }
        guard wrong.isEmpty else {
            for s in wrong {
                printError("error: merged step '\(s.id)' is not the shards' sum: queries \(s.mergedQueries) vs \(s.shardQueries.reduce(0, +)), "
                           + "errors \(s.mergedErrors) vs \(s.shardErrors)"
                           + (s.differingHistograms.isEmpty ? "" : ", histogram buckets differ (\(s.differingHistograms.map { $0.isEmpty ? "latency" : $0 }.joined(separator: ", ")))"))
            }
            throw ExitCode(3)
        }
    }

    func outputFolder(for record: RunRecord) throws -> URL {
        let folder: URL
        if let output {
            folder = URL(fileURLWithPath: output)
        } else {
            folder = URL(fileURLWithPath: "reports").appendingPathComponent(record.scenario.name)
                .appendingPathComponent(folderStamp(record.startedAt) + "-merged")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
