import Foundation
import ScenarioSpec

/// Runs the commands of a watch (faults, recoveries, scaling): an argv list executed directly —
/// never through a shell unless the scenario wrote `shell: true` — from the current directory,
/// with standard output and error captured (the tail is kept) and a deadline. A command that has
/// started runs to its end or its deadline; cancelling the calling task does not cut it short.
public enum CommandRunner {
    public struct Outcome: Sendable {
        public var exitCode: Int32?
        public var duration: Duration
        public var outputTail: String?
        public var error: String?
    }

    /// How long one command may run before it is stopped (SIGTERM, then SIGKILL after 5 s).
    public static let deadline = Duration.seconds(600)
    /// Lines of output kept in the record.
    public static let tailLines = 15

    /// What runs before the command: `/usr/bin/env` finds a bare name on PATH without a shell,
    /// and resets every signal to its default first — `run` ignores SIGINT and SIGTERM itself
    /// (it handles them), and ignored signals are inherited across exec: a server a recover
    /// command starts would otherwise ignore SIGTERM for good.
    public static let launcher = ["/usr/bin/env", "--default-signal", "--"]

    /// The argv to execute; a shell command becomes `sh -c LINE`.
    public static func argv(_ command: Command, replacing substitutions: [String: String] = [:]) -> [String] {
        let args = command.argv.map { arg in
            substitutions.reduce(arg) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
        }
        return launcher + (command.shell ? ["/bin/sh", "-c"] : []) + args
    }

    /// How the command reads in reports (what the user wrote, substitutions applied).
    public static func display(_ command: Command, replacing substitutions: [String: String] = [:]) -> String {
        let args = argv(command, replacing: substitutions).dropFirst(launcher.count + (command.shell ? 2 : 0))
        if command.shell { return "sh -c " + (args.first.map { "'\($0)'" } ?? "") }
        return args.map { $0.isEmpty || $0.contains(where: { " '\"$".contains($0) }) ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    public static func run(_ argv: [String], environment: [String: String] = [:], deadline: Duration = deadline, keepLines: Int = tailLines) async -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("milvus-scenario-command-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: output) }
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: output) else {
            return Outcome(exitCode: nil, duration: .zero, outputTail: nil, error: "could not create a file for the command's output")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Its output goes to a file, not a pipe: a server it starts in the background may keep
        // the descriptor open long after the command itself has finished.
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // Status and reason are read inside the handler, where they are known to be set: read
        // later from another thread, `terminationReason` trapped ("Illegal instruction") once
        // in a test run on swift-corelibs-foundation although the handler had run.
        let exited = AsyncStream<(status: Int32, signalled: Bool)>.makeStream()
        process.terminationHandler = { p in
            exited.continuation.yield((p.terminationStatus, p.terminationReason == .uncaughtSignal))
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            try? handle.close()
            return Outcome(exitCode: nil, duration: clock.now - start, outputTail: nil, error: "could not start \(argv[0]): \(error.localizedDescription)")
        }
        try? handle.close()
        let timer = Task {
            try await Task.sleep(for: deadline)
            process.terminate()
            try await Task.sleep(for: .seconds(5))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        // Once started, a command is waited for to its end (or its deadline), even if the task
        // that runs it is cancelled — the watch cancels its fault tasks when it ends, and a fault
        // still running then must not be abandoned half-done with its status unread. Iterating
        // the stream in a task of its own keeps that wait out of reach of this task's cancellation.
        let ended = await Task.detached { () -> (status: Int32, signalled: Bool)? in
            for await s in exited.stream { return s }
            return nil
        }.value
        let status = ended?.status
        let signalled = ended?.signalled ?? false
        let timedOut = timer.isCancelled == false && clock.now - start >= deadline
        timer.cancel()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let tail = lines.suffix(keepLines).joined(separator: "\n")
        var error: String?
        if timedOut { error = "stopped after \(deadline): it did not finish in time" }
        else if signalled { error = "killed by signal \(status ?? 0)" }
        else if argv.starts(with: launcher), status == 127 { error = "command not found: \(argv.dropFirst(launcher.count).first ?? "")" }
        return Outcome(exitCode: signalled ? nil : status, duration: clock.now - start,
                       outputTail: tail.isEmpty ? nil : String(tail.suffix(keepLines == tailLines ? 2000 : 100_000)), error: error)
    }
}
