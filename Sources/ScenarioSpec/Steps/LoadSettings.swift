/// How a request load is driven and how long it lasts; shared by `concurrentSearch` and `query`.
public struct LoadSettings: Sendable, Hashable {
    /// How the load is driven.
    public enum Loop: Sendable, Hashable {
        case closed(workers: Int)
        case open(rate: Rate, maxInFlight: Int)
    }

    public var end: CountOrDuration
    public var loop: Loop
    public var warmup: CountOrDuration
    /// Whether `queries` or `duration` was written (inside `parallel`, the parallel's end applies otherwise).
    public var endWritten: Bool

    /// The load keys, worded for requests called `what` ("queries").
    public static func keys(_ what: String) -> [KeySpec] {
        [
            KeySpec("queries", .integer(min: 1, max: nil), .runtimeDefault("100, when `duration` is not set"), "Number of measured \(what)."),
            KeySpec("duration", .duration(allowZero: false), .optional, "Run for this long instead of a count."),
            KeySpec("concurrency", .integer(min: 1, max: 1024), .defaultValue("10"), "Closed loop: number of workers. Open loop: most \(what) in flight."),
            KeySpec("rate", .rate, .optional, "Open loop: target \(what) per second, e.g. `200/s`."),
            KeySpec("warmup", .countOrDuration, .defaultValue("0"), "\(what.prefix(1).uppercased() + what.dropFirst()) (`20`) or time (`5s`) run first and left out of the results."),
        ]
    }

    public static let constraints: [KeyConstraint] = [.atMostOne(["queries", "duration"])]

    init(_ r: ObjectReader) {
        let queries = r.int("queries")
        let duration = r.duration("duration")
        end = duration.map(CountOrDuration.duration) ?? .count(queries ?? 100)
        endWritten = queries != nil || duration != nil
        let concurrency = r.int("concurrency") ?? 10
        if let rate = r.rate("rate") {
            loop = .open(rate: rate, maxInFlight: concurrency)
        } else {
            loop = .closed(workers: concurrency)
        }
        warmup = r.countOrDuration("warmup") ?? .count(0)
    }
}
