import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A helper server for tests that prints "listening on PORT" first (bench/InstantMilvus,
/// scripts/hostile-http); killed when the value goes away. Shared by the client's and the CLI's
/// tests.
public final class ListeningProcess {
    public let process = Process()
    public let port: Int

    public init(_ executable: URL, _ arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening on "), let port = Int(text.dropFirst("listening on ".count)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSDebugDescriptionErrorKey: "\(executable.lastPathComponent) did not start: \(text)"])
        }
        self.port = port
    }

    /// Ends the server now (SIGKILL) and waits for it.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        // SIGKILL: a SIGTERM did not always end the Python server here (it inherits the
        // test process's signal dispositions), and waitUntilExit then waited for good.
        stop()
    }
}
