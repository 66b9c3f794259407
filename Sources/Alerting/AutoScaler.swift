import Foundation
import ScenarioSpec

/// The document's auto-scaler, as pure logic: average query-node CPU above `cpuAbove` or memory
/// above `memoryAbove` → one more replica, up to `max`; both under half of theirs → one fewer,
/// down to `min`; at most one change per `cooldown`.
public struct AutoScaler: Sendable {
    public let settings: WatchStep.Scaling
    public private(set) var replicas: Int
    private var lastChange: Duration?

    public init(_ settings: WatchStep.Scaling) {
        self.settings = settings
        replicas = settings.initial
    }

    /// The desired count when it should change now, else nil. Unknown CPU or memory: no change.
    public mutating func decide(cpuPercent: Double?, memoryPercent: Double?, at now: Duration) -> Int? {
        guard let cpu = cpuPercent, let memory = memoryPercent else { return nil }
        if let last = lastChange, now - last < settings.cooldown.swiftDuration { return nil }
        var desired = replicas
        if cpu > settings.cpuAbove || memory > settings.memoryAbove {
            desired = min(settings.max, replicas + 1)
        } else if cpu < settings.cpuAbove / 2, memory < settings.memoryAbove / 2 {
            desired = max(settings.min, replicas - 1)
        }
        guard desired != replicas else { return nil }
        replicas = desired
        lastChange = now
        return desired
    }

    /// The scale command failed: the deployment still runs `previous` (the cooldown still applies).
    public mutating func failed(keeping previous: Int) {
        replicas = previous
    }
}
