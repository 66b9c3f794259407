import Foundation

/// A task executor with a thread of its own. Tests that measure schedules on a real clock run
/// on it, so that other suites keeping the two threads of the shared cooperative pool busy
/// (parsing a corpus, rendering reports) cannot hold their tasks back for seconds: the
/// operating system still shares the cores fairly between threads.
public final class DedicatedThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// One executor for all timing tests of the process (its thread lives as long as the process).
    public static let timing = DedicatedThread(name: "timing-tests")

    /// Runs `body`, and every child task it starts, on the timing thread.
    public static func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await withTaskExecutorPreference(timing) { await body() }
    }
}
