import Foundation

/// Reading and writing `run.json`: one encoder and one decoder, so the file `run` writes and the
/// one `report` and `compare` read can never drift apart.
public enum RecordFile {
    /// The file name inside a report folder.
    public static let name = "run.json"

    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return e
    }()

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return d
    }

    /// A record this build cannot read.
    public enum ReadError: Error, CustomStringConvertible, Equatable {
        /// Written by a newer milvus-scenario whose format this one does not know.
        case newerFormat(file: String, version: Int, supported: Int)
        /// Not a run record at all (or damaged): what the decoder said.
        case unreadable(file: String, reason: String)

        public var description: String {
            switch self {
            case let .newerFormat(file, version, supported):
                return "\(file): run record format \(version) is newer than this milvus-scenario reads (up to \(supported)); use the version that wrote it, or a newer one"
            case let .unreadable(file, reason):
                return "\(file): not a readable run record: \(reason)"
            }
        }

        public var isNewerFormat: Bool { if case .newerFormat = self { true } else { false } }
    }

    /// What went wrong writing a file, in the system's words ("No space left on device",
    /// "Read-only file system", "Permission denied") rather than Foundation's paragraph.
    public static func describe(writeError error: any Error) -> String {
        var current: NSError? = error as NSError
        while let e = current {
            if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
            current = e.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        // swift-corelibs-foundation reports these as CocoaErrors without the errno.
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            case .fileWriteNoPermission, .fileReadNoPermission: return String(cString: strerror(EACCES))
            case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
            default: break
            }
        }
        return (error as NSError).localizedDescription
    }

    /// Writes the record atomically (a reader never sees half a file), creating the folder.
    public static func write(_ record: RunRecord, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try encoder.encode(record).write(to: directory.appendingPathComponent(name), options: .atomic)
    }

    /// Reads a record, checking its format version before anything else: a newer file gets
    /// "written by a newer version", not a confusing "key not found".
    public static func read(_ data: Data, file: String) throws -> RunRecord {
        struct Version: Decodable { var formatVersion: Int? }
        let version: Int?
        do { version = try JSONDecoder().decode(Version.self, from: data).formatVersion }
        catch { throw ReadError.unreadable(file: file, reason: describe(error)) }
        if let version, version > RunRecord.currentFormatVersion {
            throw ReadError.newerFormat(file: file, version: version, supported: RunRecord.currentFormatVersion)
        }
        var record: RunRecord
        do { record = try decoder().decode(RunRecord.self, from: data) }
        catch { throw ReadError.unreadable(file: file, reason: describe(error)) }
        if (version ?? 1) < 2 { upgradeFromFormat1(&record) }
        return record
    }

    /// Format 1 marked a step the deployment could not run with the note "not supported by this
    /// deployment"; its status says so now, and the note goes. (Its other notes were turned back
    /// into codes as they were read.)
    static func upgradeFromFormat1(_ record: inout RunRecord) {
        func upgrade(_ steps: inout [StepRecord]) {
            for i in steps.indices {
                steps[i].notes.removeAll { $0.code == .text && $0.values["text"] == "not supported by this deployment" }
                steps[i].details?.updateNestedSteps(upgrade)
            }
        }
        upgrade(&record.steps)
    }

    /// What a decoding error means, with the path to the field.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch e {
        case let .keyNotFound(key, c): return "missing \"\(key.stringValue)\"\(path(c))"
        case let .typeMismatch(_, c), let .valueNotFound(_, c): return "\(c.debugDescription)\(path(c))"
        case let .dataCorrupted(c): return "\(c.debugDescription)\(path(c))"
        @unknown default: return "\(error)"
        }
    }
}

extension RunRecord {
    /// Reads a run record written by `run` (see `RecordFile.read`).
    public static func load(from url: URL) throws -> RunRecord {
        try RecordFile.read(Data(contentsOf: url), file: url.path)
    }
}
