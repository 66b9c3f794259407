import Foundation

/// A folder of earlier run records that `compare --baseline` compares today's run against —
/// what a CI job caches or commits. `baseline add` keeps it: one file per run, named so a
/// listing reads in time order, the oldest of a scenario pruned beyond a limit.
public struct BaselineFolder: Sendable {
    public let url: URL

    /// Which earlier runs count as "the same scenario".
    public enum Match: String, Sendable, CaseIterable {
        /// The same scenario file, byte for byte (its SHA-256): an edited file starts a new history.
        case hash
        /// The same scenario `name`, whatever its file looks like now.
        case name
    }

    public init(_ url: URL) { self.url = url }

    /// A run that cannot be a baseline, or a folder that cannot be read.
    public enum Problem: Error, CustomStringConvertible {
        case unfinished(file: String, status: RunRecord.Status)
        case notAFolder(String)

        public var description: String {
            switch self {
            case let .unfinished(file, status):
                return "\(file): the run \(status == .running ? "has not finished" : "ended \(status.rawValue)"); only finished runs (passed or thresholdsFailed) can be baselines"
            case let .notAFolder(path): return "\(path) is not a folder"
            }
        }
    }

    /// Every readable record in the folder, oldest first, and the files that could not be read
    /// (with why).
    public func records() throws -> (records: [(file: String, record: RunRecord)], unreadable: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return ([], []) }
        guard isDirectory.boolValue else { throw Problem.notAFolder(url.path) }
        let files = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".json") }.sorted()
        var out: [(String, RunRecord)] = [], unreadable: [String] = []
        for f in files {
            do { out.append((f, try RunRecord.load(from: url.appendingPathComponent(f)))) } catch { unreadable.append("\(error)") }
        }
        return (out.sorted { $0.1.startedAt < $1.1.startedAt }, unreadable)
    }

    /// The last `count` runs of `record`'s scenario (oldest first), leaving out `record` itself
    /// when it was already added.
    public func history(of record: RunRecord, match: Match, last count: Int) throws -> (runs: [RunRecord], unreadable: [String]) {
        let (all, unreadable) = try records()
        let same = all.map(\.record).filter { r in
            guard !(r.startedAt == record.startedAt && r.host == record.host) else { return false }
            switch match {
            case .hash: return r.scenario.sha256 == record.scenario.sha256
            case .name: return r.scenario.name == record.scenario.name
            }
        }
        return (Array(same.suffix(count)), unreadable)
    }

    /// The file name a run gets: scenario, start time (UTC) and the file's hash, so `ls` reads in
    /// time order per scenario.
    public static func fileName(for record: RunRecord) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(record.scenario.name)-\(f.string(from: record.startedAt))-\(record.scenario.sha256.prefix(12)).json"
    }

    /// Copies a finished run's record (its bytes as written) into the folder, then removes the
    /// oldest runs of the same scenario name beyond `keep`. Returns the new file's name (nil
    /// when the run was already there) and the removed files.
    public func add(_ data: Data, file: String, keep: Int) throws -> (added: String?, removed: [String]) {
        let record = try RecordFile.read(data, file: file)
        guard record.status == .passed || record.status == .thresholdsFailed else { throw Problem.unfinished(file: file, status: record.status) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let name = Self.fileName(for: record)
        let destination = url.appendingPathComponent(name)
        var added: String? = nil
        if !FileManager.default.fileExists(atPath: destination.path) {
            try data.write(to: destination, options: .atomic)
            added = name
        }
        let ofScenario = try records().records.filter { $0.record.scenario.name == record.scenario.name }
        var removed: [String] = []
        for old in ofScenario.dropLast(max(1, keep)) {
            try FileManager.default.removeItem(at: url.appendingPathComponent(old.file))
            removed.append(old.file)
        }
        return (added, removed)
    }
}
