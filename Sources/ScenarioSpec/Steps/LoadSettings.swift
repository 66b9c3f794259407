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
    public struct Keys: KeySet {
        public let queries: Key<Int>
        public let duration = Key.duration("duration", allowZero: false, .optional, "Run for this long instead of a count.")
        public let concurrency: Key<Int>
        public let rate: Key<Rate>
        public let warmup: Key<CountOrDuration>

        public init() { self.init("requests") }

        public init(_ what: String) {
            queries = Key.integer("queries", min: 1, max: nil, .runtimeDefault("100, when `duration` is not set"), "Number of measured \(what).")
            concurrency = Key.integer("concurrency", min: 1, max: 1024, .defaultValue("10"), "Closed loop: number of workers. Open loop: most \(what) in flight.")
            rate = Key.rate("rate", .optional, "Open loop: target \(what) per second, e.g. `200/s`.")
            warmup = Key.countOrDuration("warmup", .defaultValue("0"), "\(what.prefix(1).uppercased() + what.dropFirst()) (`20`) or time (`5s`) run first and left out of the results.")
        }
    }

    public static let constraints: [KeyConstraint] = [.atMostOne(\Keys.queries, \Keys.duration)]

    init(_ r: KeyReader<Keys>) {
        let queries = r[\.queries]
        let duration = r[\.duration]
        end = duration.map(CountOrDuration.duration) ?? .count(queries ?? 100)
        endWritten = queries != nil || duration != nil
        let concurrency = r[\.concurrency] ?? 10
        if let rate = r[\.rate] {
            loop = .open(rate: rate, maxInFlight: concurrency)
        } else {
            loop = .closed(workers: concurrency)
        }
        warmup = r[\.warmup] ?? .count(0)
    }
}
