import Foundation
import ScenarioRecord

/// A file of the report set: its name in the run's folder and its contents.
public struct ReportFile: Sendable, Equatable {
    public var name: String
    public var contents: String
}

/// RunRecord → report files. Pure: the same record gives the same files, byte for byte, so
/// `milvus-scenario report run.json` rebuilds a run's reports and golden files can test them.
public enum ReportSet {
    public enum Format: String, Sendable, CaseIterable {
        case markdown, csv, json, junit, svg
    }

    /// summary.txt and every file for the formats asked for (run.json is written by the runner
    /// as it goes; the `json` format is always on). `language` overrides the record's.
    public static func render(_ record: RunRecord, formats: Set<Format> = Set(Format.allCases), language: String? = nil) -> [ReportFile] {
        let labels = Labels(language: language ?? record.scenario.language)
        let tables = TableBuilder(record: record, l: labels).all
        let charts = formats.contains(.svg) ? Charts.all(record, labels: labels) : []
        // The summary is always written: it is what the run printed.
        var files = [ReportFile(name: "summary.txt", contents: Summary.text(record))]
        if formats.contains(.markdown) {
            files.append(ReportFile(name: "report.md", contents: MarkdownReport.render(record, tables: tables, charts: charts, labels: labels)))
        }
        if formats.contains(.csv) {
            for t in tables { files.append(ReportFile(name: "\(t.id).csv", contents: CSVWriter.render(t))) }
        }
        if formats.contains(.junit) {
            files.append(ReportFile(name: "junit.xml", contents: JUnitReport.render(record)))
        }
        for c in charts { files.append(ReportFile(name: c.file, contents: c.svg)) }
        return files
    }

    /// Writes the files into `directory` (atomically each) and returns their names.
    @discardableResult
    public static func write(_ record: RunRecord, to directory: URL, formats: Set<Format> = Set(Format.allCases), language: String? = nil) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = render(record, formats: formats, language: language)
        for f in files {
            try Data(f.contents.utf8).write(to: directory.appendingPathComponent(f.name), options: .atomic)
        }
        return files.map(\.name)
    }
}
