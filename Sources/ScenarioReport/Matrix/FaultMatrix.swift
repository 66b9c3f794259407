import Foundation
import ScenarioRecord
import ScenarioSpec

/// The chaos matrix (`milvus-scenario report --matrix DIR`): one row per case folder of DIR, each
/// the report folder of one run of a fault scenario (scenarios/chaos.yaml) plus the `case.json`
/// the script that ran it wrote beside (which fault, its exit status, how long it took, whether
/// the cluster was whole afterwards). Everything measured comes from the case's run.json, read
/// (and its format version checked) like every other record; the scripts only start servers and
/// inject faults.
public struct FaultMatrix: Sendable {
    /// What the script that ran the case knows and the run record does not.
    public struct Case: Codable, Sendable {
        public var name: String
        /// The fault command's arguments (of scripts/milvus-local).
        public var fault: String
        /// milvus-scenario's exit status (nil: it could not be started).
        public var exit: Int?
        /// Wall-clock seconds of the whole run.
        public var seconds: Double
        /// Whether the deployment was whole after the case (every process up, a real search).
        public var clusterSurvived: Bool?
        /// The cluster had to be started afresh before this case (the previous one broke it).
        public var restartedBefore: Bool
        /// When the case started, for the rows' order.
        public var startedAt: Date?

        public init(name: String, fault: String, exit: Int?, seconds: Double, clusterSurvived: Bool?, restartedBefore: Bool, startedAt: Date?) {
            self.name = name
            self.fault = fault
            self.exit = exit
            self.seconds = seconds
            self.clusterSurvived = clusterSurvived
            self.restartedBefore = restartedBefore
            self.startedAt = startedAt
        }

        enum CodingKeys: String, CodingKey { case name = "case", fault, exit, seconds, clusterSurvived, restartedBefore, startedAt }

        public static let fileName = "case.json"
    }

    /// A time from the fault, or "never lost" when there was nothing to come back from.
    public enum Since: Codable, Sendable, Equatable {
        case seconds(Double)
        case neverLost

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(Double.self) { self = .seconds(s); return }
            let text = try c.decode(String.self)
            guard text == "never lost" else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected seconds or \"never lost\", not \"\(text)\"") }
            self = .neverLost
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .seconds(let s): try c.encode(s)
            case .neverLost: try c.encode("never lost")
            }
        }

        public var seconds: Double? { if case .seconds(let s) = self { s } else { nil } }
    }

    /// One case, measured the same way for every fault.
    public struct Row: Codable, Sendable {
        public var name: String
        public var fault: String
        public var exit: Int?
        public var seconds: Double
        public var clusterSurvived: Bool?
        public var restartedBefore: Bool
        /// Why the row has no measurements, or "not detected".
        public var finding: String?
        public var detect: Double?
        public var live: Since?
        public var serving: Since?
        public var successBefore: Double?
        public var successDuring: Double?
        public var successAfter: Double?
        /// The worst check's background P99 between the fault and recovery.
        public var p99DuringMs: Double?
        public var rowsBefore: Int?
        public var rowsAfter: Int?
        public var rowCount: String?
        /// The distinct counts count(*) answered after the watch.
        public var rowCounts: [Int]?
        public var writeBefore: Double?
        public var writeDuring: Double?
        public var writeAfter: Double?
        public var rowsWritten: Int?
        public var rowsWrittenDuring: Int?
        public var alertsFired: Int?
        public var alertsResolved: Int?
        public var actionsFailed: Int?
        /// Segments per query node (by name) from the `before` and `after` monitor steps.
        public var segmentsBefore: [String: Int]?
        public var segmentsAfter: [String: Int]?
        public var replicaRowsBefore: Int?
        public var replicaRowsAfter: Int?
        public var thresholdsFailed: [String]?
        /// A step after the watch that failed (the monitor, the drop).
        public var failedAfter: String?
        /// The lowest mean recall of the search steps before and after the watch (`recall`).
        public var recallBefore: Double?
        public var recallAfter: Double?
        /// Wrong answers of the checked steps before and after the watch (`verify`'s wrong,
        /// missing and extra rows and wrong values, recall's resurrected hits).
        public var wrongBefore: Int?
        public var wrongAfter: Int?
        /// Up to five of the wrong answers after the watch, by key.
        public var wrongAfterExamples: [String]?
        /// The rows read back by key after the watch (its `audit`): acknowledged rows lost,
        /// rows back (deleted or never acknowledged), rows with other values (upserts lost and
        /// wrong values), writes with an unknown outcome stored / not stored, and up to five
        /// examples by key.
        /// Wrong hits among the background searches checked during the fault (`background.verify`).
        public var wrongDuring: Int?
        /// Mean recall of the watch's checks during the fault (`background.recall`).
        public var recallDuring: Double?
        public var keysLost: Int?
        public var keysBack: Int?
        public var keysWrongValues: Int?
        public var unknownStored: Int?
        public var unknownNotStored: Int?
        public var auditExamples: [String]?
        /// The verdict, in words ("survived", or what went wrong).
        public var outcome: String = ""

        enum CodingKeys: String, CodingKey {
            case name = "case", fault, exit, seconds, clusterSurvived, restartedBefore, finding, detect, live, serving
            case successBefore, successDuring, successAfter, p99DuringMs, rowsBefore, rowsAfter, rowCount, rowCounts
            case writeBefore, writeDuring, writeAfter, rowsWritten, rowsWrittenDuring, alertsFired, alertsResolved, actionsFailed
            case segmentsBefore, segmentsAfter, replicaRowsBefore, replicaRowsAfter, thresholdsFailed, failedAfter, outcome
            case recallBefore, recallAfter, wrongBefore, wrongAfter, wrongAfterExamples
            case wrongDuring, recallDuring, keysLost, keysBack, keysWrongValues, unknownStored, unknownNotStored, auditExamples
        }

        /// The rows count(*) should hold after the watch: before plus every acknowledged insert.
        public var expectedRows: Int? { rowsBefore.map { $0 + (rowsWritten ?? 0) } }
    }

    /// How the cases were run, read off their records (one value, or each distinct one).
    public struct Setup: Sendable, Equatable {
        public var deployment: [String] = []
        public var replicas: [String] = []
        public var rows: [String] = []
        public var searchRate: [String] = []
        public var writes: [String] = []
        public var faultAt: [String] = []
        public var undoAt: [String] = []
        public var watch: [String] = []
        public var interval: [String] = []
    }

    public var rows: [Row]
    public var setup: Setup

    public init(rows: [Row], setup: Setup) {
        self.rows = rows
        self.setup = setup
    }

    public enum ReadError: Error, CustomStringConvertible {
        case notAFolder(String)
        case noCases(String)
        case unreadableCase(file: String, reason: String)

        public var description: String {
            switch self {
            case .notAFolder(let path): "\(path) is not a folder of chaos cases"
            case .noCases(let path): "\(path) holds no case folder (a folder with a \(Case.fileName), as scripts/chaos writes)"
            case let .unreadableCase(file, reason): "\(file) cannot be read: \(reason)"
            }
        }
    }

    /// Reads every case folder of `folder` (a sub-folder with a `case.json`), in the order the
    /// cases ran. A case whose run record is missing or damaged becomes a row that says so (a
    /// run that could not write one is a finding); one written by a newer format is an error.
    public static func read(_ folder: URL) throws -> FaultMatrix {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ReadError.notAFolder(folder.path)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var cases: [(Case, RunRecord?, String?)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let file = folder.appendingPathComponent(name).appendingPathComponent(Case.fileName)
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let info: Case
            do { info = try decoder.decode(Case.self, from: data) } catch {
                throw ReadError.unreadableCase(file: file.path, reason: "\(error)")
            }
            let recordFile = file.deletingLastPathComponent().appendingPathComponent(RecordFile.name)
            if !FileManager.default.fileExists(atPath: recordFile.path) {
                cases.append((info, nil, "no run record"))
                continue
            }
            do { cases.append((info, try RunRecord.load(from: recordFile), nil)) }
            // A newer tool wrote it: reading on would guess at fields; say so instead of a table.
            catch let error as RecordFile.ReadError where error.isNewerFormat { throw error }
            catch { cases.append((info, nil, "run record unreadable: \(error)")) }
        }
        guard !cases.isEmpty else { throw ReadError.noCases(folder.path) }
        // In the order they ran: by the record's start (the script's time for a case without one).
        func started(_ c: (Case, RunRecord?, String?)) -> Date { c.1?.startedAt ?? c.0.startedAt ?? .distantPast }
        cases.sort { (started($0), $0.0.name) < (started($1), $1.0.name) }
        let rows = cases.map { info, record, problem in
            var row = record.map { measure(info, $0) } ?? Row(info, finding: problem)
            row.outcome = verdict(row)
            return row
        }
        return FaultMatrix(rows: rows, setup: setup(cases.compactMap(\.1)))
    }

    // MARK: Measuring one case

    static func measure(_ info: Case, _ record: RunRecord) -> Row {
        var row = Row(info, finding: nil)
        guard let watch = record.steps.first(where: { $0.details(of: WatchStep.self)?.watch != nil }),
              let w = watch.details(of: WatchStep.self)?.watch else {
            let f = record.failure
            let what = [f?.rpc, f.map { String($0.reason.prefix(160)) }].compactMap { $0 }.joined(separator: " ")
            row.finding = "the run stopped before the watch: \(f?.stepId ?? "?"): \(what)"
            return row
        }
        let r = w.recovery
        let faultAt = r?.faultAtMs
        func since(_ t: Double?) -> Double? {
            guard let faultAt, let t else { return nil }
            return round1((t - faultAt) / 1000)
        }
        let recovered = r?.recoveredAtMs ?? w.durationMs
        let afterFault = w.checks.filter { check in faultAt.map { check.atMs >= $0 } ?? false }
        let during = afterFault.filter { $0.atMs <= recovered }.compactMap(\.backgroundP99Ms)
        row.detect = since(r?.detectedAtMs)
        row.live = afterFault.contains { !$0.live } ? since(r?.liveAtMs).map(Since.seconds) : .neverLost
        if let r, !r.servingLost { row.serving = .neverLost } else { row.serving = since(r?.servingAtMs).map(Since.seconds) }
        row.successBefore = r?.successBefore
        row.successDuring = r?.successDuring
        row.successAfter = r?.successAfter
        row.p99DuringMs = during.max().map(round1)
        row.rowsBefore = w.rowsBefore
        row.rowsAfter = w.rowsAfter
        row.rowCount = w.rowCount?.outcome.rawValue
        row.rowCounts = w.rowCount.map { Array(Set($0.tries.compactMap(\.count))).sorted() }
        row.writeBefore = r?.writeSuccessBefore
        row.writeDuring = r?.writeSuccessDuring
        row.writeAfter = r?.writeSuccessAfter
        row.rowsWritten = w.writes?.rows
        row.rowsWrittenDuring = r?.rowsWrittenDuring
        row.alertsFired = w.alerts.count
        row.alertsResolved = w.alerts.filter { $0.resolvedAtMs != nil }.count
        row.actionsFailed = w.actions.filter { !$0.dryRun && $0.exitCode != 0 }.count
        let before = monitor(record, "before"), after = monitor(record, "after")
        row.segmentsBefore = before?.segments
        row.segmentsAfter = after?.segments
        row.replicaRowsBefore = before?.rows
        row.replicaRowsAfter = after?.rows
        row.thresholdsFailed = record.thresholds.filter { !$0.passed }.map(\.expression)
        if let i = record.steps.firstIndex(where: { $0.id == watch.id }) {
            let before = answers(record.steps[..<i]), after = answers(record.steps[(i + 1)...])
            (row.recallBefore, row.wrongBefore) = (before.recall, before.wrong)
            (row.recallAfter, row.wrongAfter, row.wrongAfterExamples) = (after.recall, after.wrong, after.examples.isEmpty ? nil : after.examples)
        }
        row.wrongDuring = r?.wrongHitsDuring
        row.recallDuring = r?.recallDuring.map(round3)
        if let a = w.audit {
            (row.keysLost, row.keysBack, row.keysWrongValues) = (a.lost, a.back, a.upsertsLost + a.wrongValues)
            (row.unknownStored, row.unknownNotStored) = (a.indeterminateStored, a.indeterminateNotStored)
            row.auditExamples = a.examples.isEmpty ? nil : a.examples.map(\.description)
        }
        if r?.detectedAtMs == nil { row.finding = "not detected" }
        if let f = record.failure {
            let what = [f.rpc, String(f.reason.prefix(120))].compactMap { $0 }.joined(separator: " ")
            row.failedAfter = "then \(f.stepId) failed: \(what)"
        }
        return row
    }

    /// What the checked steps among `steps` found: the lowest mean recall, the wrong answers
    /// (nil when no step checked any), and up to five of them.
    static func answers(_ steps: ArraySlice<StepRecord>) -> (recall: Double?, wrong: Int?, examples: [String]) {
        var recall: Double?, wrong: Int?
        var examples: [String] = []
        for step in steps where step.status == .ok {
            if let r = step.recall, r.hitsChecked != nil, let mean = step.metrics["recall"] {
                recall = min(recall ?? 1, round3(mean))
                wrong = (wrong ?? 0) + (r.resurrected ?? 0) + (r.wrongValues ?? 0) + (r.wrongScores ?? 0)
                examples += (r.examples ?? []).map { "\(step.id): \($0.description)" }
            }
            if let a = step.details(of: QueryStep.self)?.answers {
                wrong = (wrong ?? 0) + a.wrong
                examples += a.examples.map { "\(step.id): \($0.description)" }
            }
        }
        return (recall, wrong, Array(examples.prefix(5)))
    }

    static func round3(_ v: Double) -> Double { (v * 1000).rounded(.toNearestOrEven) / 1000 }

    /// A `monitor` step's segments per node and rows over all replicas, when it ran.
    static func monitor(_ record: RunRecord, _ id: String) -> (segments: [String: Int], rows: Int?)? {
        guard let step = record.steps.first(where: { $0.id == id && $0.kind == "monitor" }), step.status == .ok,
              let m = step.details(of: MonitorStep.self)?.monitor else { return nil }
        let segments = Dictionary(m.nodes.map { ($0.name, $0.segments) }, uniquingKeysWith: +)
        return (segments, step.metrics["rows.total"].map { Int($0) })
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded(.toNearestOrEven) / 10 }

    // MARK: The verdict

    /// What the case found, in words: "survived", or each thing that went wrong.
    static func verdict(_ r: Row) -> String {
        if let f = r.finding, f.hasPrefix("no run record") || f.hasPrefix("run record unreadable") || f.hasPrefix("the run stopped") { return f }
        var notes: [String] = []
        if r.finding == "not detected" { notes.append("not detected: every /healthz and search stayed fine") } else if let f = r.finding { notes.append(f) }
        if r.clusterSurvived == false { notes.append("the cluster did not come back whole (restarted for the next case)") }
        if let after = r.successAfter, after < 99 { notes.append("searches after recovery \(Int(after.rounded(.toNearestOrEven))) %") }
        if r.detect != nil, r.serving == nil { notes.append("not serving again within the watch") }
        if r.detect != nil, r.live == nil { notes.append("not live again within the watch") }
        if r.rowsBefore != nil, r.rowsAfter == nil, let outcome = r.rowCount, let expected = r.expectedRows {
            let counts = r.rowCounts ?? []
            let seen = counts.isEmpty ? "no count succeeded" : "count(*) answered \(counts[0])" + (counts.count > 1 ? "–\(counts.last!)" : "")
            var note = "rows after unverified (\(outcome)): \(seen) of \(expected) expected until the recount ran out"
            if let last = counts.last, last < expected { note += " — \(expected - last) or more acknowledged rows not served" }
            notes.append(note)
        }
        if let after = r.rowsAfter, let expected = r.expectedRows {
            if after < expected { notes.append("\(expected - after) acknowledged rows missing") }
            else if r.rowsWritten != nil, after > expected { notes.append("\(after - expected) rows stored although their insert failed") }
        }
        if let lost = r.keysLost, let back = r.keysBack, let wrong = r.keysWrongValues, lost + back + wrong > 0 {
            let parts = [(lost, "acknowledged rows lost"), (back, "rows back that were deleted or never acknowledged"), (wrong, "rows with other values")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            notes.append("by key: " + parts.joined(separator: ", ") + (r.auditExamples?.first.map { " (e.g. \($0))" } ?? ""))
        }
        if let after = r.writeAfter, after < 99 { notes.append("inserts after recovery \(Int(after.rounded(.toNearestOrEven))) %") }
        if let n = r.wrongDuring, n > 0 { notes.append("\(n) wrong search hits during the fault") }
        if let n = r.wrongAfter, n > 0 {
            notes.append("\(n) wrong answers after" + (r.wrongAfterExamples?.first.map { " (e.g. \($0))" } ?? ""))
        }
        if let f = r.failedAfter { notes.append(f) }
        if let n = r.actionsFailed, n > 0 { notes.append("\(n) fault/undo command(s) failed") }
        if let b = r.replicaRowsBefore, b > 0, let a = r.replicaRowsAfter, a < b { notes.append("replicas hold \(a) of \(b) rows after") }
        return notes.isEmpty ? "survived" : notes.joined(separator: "; ")
    }

    // MARK: How the cases were run

    static func setup(_ records: [RunRecord]) -> Setup {
        var s = Setup()
        func add(_ list: WritableKeyPath<Setup, [String]>, _ value: String?) {
            if let value, !s[keyPath: list].contains(value) { s[keyPath: list].append(value) }
        }
        func secondsText(_ ms: Double) -> String { "\(ScenarioNumber.format((ms / 1000).rounded()))s" }
        for record in records {
            let t = record.target
            var deployment = "Milvus \(t.serverVersion ?? "(version unknown)")"
            if let mode = t.deployMode { deployment += mode.uppercased() == "DISTRIBUTED" ? " cluster" : " \(mode.lowercased())" }
            if let n = t.queryNodes { deployment += ", \(n) query node\(n == 1 ? "" : "s")" }
            add(\.deployment, deployment)
            if let m = record.steps.first(where: { $0.id == "before" && $0.kind == "monitor" }), let replicas = m.metrics["replicas"] {
                add(\.replicas, ScenarioNumber.format(replicas))
            }
            guard let w = record.steps.lazy.compactMap({ $0.details(of: WatchStep.self)?.watch }).first else { continue }
            add(\.rows, w.rowsBefore.map { ScenarioNumber.format(Double($0)) })
            add(\.searchRate, w.background.map { "at \(ScenarioNumber.format($0.rate))/s" })
            if let writes = w.writes {
                let acknowledged = writes.seconds.reduce(0) { $0 + $1.succeeded }
                var text = ""
                if let rows = writes.rows, acknowledged > 0 { text += "of \(rows / acknowledged) rows " }
                text += "at \(ScenarioNumber.format(writes.rate))/s"
                add(\.writes, text)
            }
            let faults = w.actions.filter { $0.kind == .fault }.sorted { $0.startedAtMs < $1.startedAtMs }
            add(\.faultAt, faults.first.map { secondsText($0.startedAtMs) })
            add(\.undoAt, faults.dropFirst().first.map { secondsText($0.startedAtMs) })
            add(\.watch, secondsText(w.durationMs))
            add(\.interval, secondsText(w.intervalMs))
        }
        return s
    }
}

extension FaultMatrix.Row {
    init(_ info: FaultMatrix.Case, finding: String?) {
        self.init(name: info.name, fault: info.fault, exit: info.exit, seconds: info.seconds.rounded(),
                  clusterSurvived: info.clusterSurvived, restartedBefore: info.restartedBefore, finding: finding)
    }
}
