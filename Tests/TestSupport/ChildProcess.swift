import Foundation

/// Runs a program to its end and collects what it printed: the one way the tests run a tool,
/// a script or Python. Output goes to temporary files, not pipes: a child that fills one pipe
/// while the test reads the other would block both forever.
public enum ChildProcess {
    public struct Outcome: Sendable {
        public var status: Int32
        /// Standard output; with `mergingOutput`, standard error too, interleaved as printed.
        public var stdout: String
        /// Standard error (empty with `mergingOutput`).
        public var stderr: String
        /// Everything printed.
        public var output: String { stderr.isEmpty ? stdout : stdout + stderr }
    }

    /// Runs `executable` with `arguments` (in `directory`, with `environment` when given, else
    /// the test's), writes `input` to its standard input, and waits for it.
    @discardableResult
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
                           input: String? = nil, mergingOutput: Bool = true) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = try OutputFile()
        defer { out.remove() }
        let err = mergingOutput ? nil : try OutputFile()
        defer { err?.remove() }
        process.standardOutput = out.handle
        process.standardError = (err ?? out).handle
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let stdin, let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: try out.contents(), stderr: try err?.contents() ?? "")
    }

    /// The same with the program given by its path.
    @discardableResult
    public static func run(_ path: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
                           input: String? = nil, mergingOutput: Bool = true) throws -> Outcome {
        try run(URL(fileURLWithPath: path), arguments, in: directory, environment: environment, input: input, mergingOutput: mergingOutput)
    }
}

/// A temporary file that collects one output stream of a child process.
public struct OutputFile: Sendable {
    public let url = FileManager.default.temporaryDirectory.appendingPathComponent("child-output-\(UUID().uuidString)")
    public let handle: FileHandle

    public init() throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    /// What was written (closes the handle).
    public func contents() throws -> String {
        try handle.close()
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
