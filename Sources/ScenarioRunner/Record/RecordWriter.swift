import Crypto
import Foundation
import ScenarioRecord

/// Writes `run.json` into the run's report folder after every step, atomically: a reader never
/// sees half a file. (The other files are the report writers', from this record.)
struct RecordWriter: Sendable {
    let directory: URL

    func write(_ record: RunRecord) {
        do {
            try RecordFile.write(record, to: directory)
        } catch {
            FileHandle.standardError.write(Data("warning: could not write \(directory.path)/\(RecordFile.name): \(RecordFile.describe(writeError: error)); the one there is kept\n".utf8))
        }
    }
}

/// SHA-256, for the scenario file's fingerprint in the record.
enum SHA256Digest {
    static func hex(_ message: [UInt8]) -> String {
        Crypto.SHA256.hash(data: message).map { String(format: "%02x", $0) }.joined()
    }
}
