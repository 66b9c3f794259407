/// One of N identical runner processes sharing a scenario's load (`run --shard I/N`): a
/// Kubernetes Indexed Job's pod, or one of several local processes. Each sends its share of every
/// load step; setup steps run on shard 0 only (or on every shard when marked `perShard`), and
/// `merge` adds the shards' records into one.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based: 0 … count − 1.
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// `I/N`, e.g. `2/4` (0-based index).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingSpaces), let n = Int(parts[1].trimmingSpaces) else { return nil }
        self.init(index: i, count: n)
    }

    /// The whole run: one shard of one.
    public static let whole = Shard(index: 0, count: 1)!

    public var description: String { "\(index)/\(count)" }
    /// Shard 0 runs the setup steps and reads the server's per-node signals.
    public var isLead: Bool { index == 0 }

    /// This shard's part of `total`: total ÷ N, the remainder going to the first shards, so
    /// the parts add up to `total` exactly.
    public func share(of total: Int) -> Int {
        total / count + (index < total % count ? 1 : 0)
    }

    /// Where this shard's part of `total` starts: the parts of the shards before it.
    public func offset(in total: Int) -> Int {
        (0..<index).reduce(0) { $0 + Shard(index: $1, count: count)!.share(of: total) }
    }

    /// Workers or requests in flight: this shard's part, at least one.
    public func concurrency(_ total: Int) -> Int { max(1, share(of: total)) }

    /// A target rate divided evenly.
    public func share(of rate: Rate) -> Rate { Rate(perSecond: rate.perSecond / Double(count)) }

    /// Seeds differ by shard so the shards do not send identical queries (a cache would serve
    /// all but the first); shard 0 keeps the scenario's seeds, so a 1-shard run is the plain run.
    public var seedOffset: Int { index * 1_000_003 }
}

/// How a step kind is divided among shards.
public enum ShardRole: Sendable, Hashable {
    /// Prepares or cleans up (create, insert, index, load, release, drop): shard 0 runs it, or
    /// every shard its share when the step says `perShard: true`.
    case setup
    /// Reads the server's state (monitor, health): shard 0 only, so the merged report has it once.
    case observe
    /// Sends a load: every shard sends its share (`ShardableLoad`).
    case load
    /// Cannot be divided (sweep, parallel, capacity, watch): a scenario with one cannot be sharded.
    case whole
}

extension LoadSettings {
    /// This shard's part of the load: queries, warm-up queries, rate and workers divided; a
    /// duration stays (every shard runs for it, side by side).
    public func share(for shard: Shard) -> LoadSettings {
        var s = self
        if case .count(let n) = end { s.end = .count(max(1, shard.share(of: n))) }
        if case .count(let n) = warmup { s.warmup = .count(shard.share(of: n)) }
        switch loop {
        case .closed(let workers): s.loop = .closed(workers: shard.concurrency(workers))
        case .open(let rate, let inFlight): s.loop = .open(rate: shard.share(of: rate), maxInFlight: shard.concurrency(inFlight))
        case .ramping(let start, let stages, let inFlight):
            s.loop = .ramping(start: shard.share(of: start), stages: stages.map { LoadSettings.Stage(rate: shard.share(of: $0.rate), duration: $0.duration) },
                              maxInFlight: shard.concurrency(inFlight))
        }
        return s
    }
}

extension InsertStep {
    /// Written `perShard: true`: this shard's rows (`share(for:)`); otherwise shard 0 writes them all.
    public func part(for shard: Shard) -> InsertStep? { perShard ? share(for: shard) : nil }

    /// This shard's rows: rows ÷ N, with `sequence` values (ids) starting after the earlier
    /// shards' rows, seeds shifted and a `rate` divided, so the shards together write what one
    /// run would have, with distinct primary keys. Nil for rows read from a data set file
    /// (every shard would read the same rows).
    public func share(for shard: Shard) -> InsertStep? {
        guard !readsFile else { return nil }
        guard shard.count > 1 else { return self }
        var s = self
        let first = shard.offset(in: rows)
        if rows > 0 { s.rows = shard.share(of: rows) }
        s.seed = seed + shard.seedOffset
        s.rate = rate.map { shard.share(of: $0) }
        s.generators = generators.map { g in
            var g = g
            if case .sequence(let start) = g.generator { g.generator = .sequence(start: start + first) }
            else if let seed = g.seed { g.seed = seed + shard.seedOffset }
            return g
        }
        return s
    }
}

// A load's part: counts, rates and workers divided, seeds shifted, and the server-side readings
// (per-node traffic, recall) left to shard 0.

extension ConcurrentSearchStep {
    public func part(for shard: Shard) -> ConcurrentSearchStep? {
        var s = self
        s.load = load.share(for: shard)
        s.search.seedOffset = search.seedOffset + shard.seedOffset
        if !shard.isLead {
            s.nodeTraffic = false
            s.recall = nil
        }
        return s
    }
}

extension HotSearchStep {
    /// The hot set stays the same on every shard (it is hot because every shard repeats it);
    /// the cold queries and the hot/cold choice differ by shard.
    public func part(for shard: Shard) -> HotSearchStep? {
        var s = self
        s.queries = max(1, shard.share(of: queries))
        s.concurrency = shard.concurrency(concurrency)
        s.seed = seed + shard.seedOffset
        s.search.seedOffset = search.seedOffset + shard.seedOffset
        if !shard.isLead {
            s.nodeTraffic = false
            s.recall = nil
        }
        return s
    }
}

extension HybridSearchStep {
    public func part(for shard: Shard) -> HybridSearchStep? {
        var s = self
        s.load = load.share(for: shard)
        s.searches = searches.map { var x = $0; x.seedOffset += shard.seedOffset; return x }
        return s
    }
}

extension QueryStep {
    public func part(for shard: Shard) -> QueryStep? {
        var s = self
        s.load = load.share(for: shard)
        return s
    }
}

/// What one shard runs of a scenario: each top-level step as it runs here (a load's share), or
/// left to shard 0, or outside the asked phase. Built before connecting; `problems` say why a
/// scenario cannot be divided (then nothing runs).
public struct ShardPlan: Sendable {
    /// Which of the scenario's steps a process runs. `setup`: the steps before the first load
    /// (create, insert, index, load …), once — a Kubernetes setup Job. `load`: the first load
    /// step and everything after it, every shard waiting until the collection is loaded — the
    /// Indexed Job's pods. `all`: both, shard 0 doing the setup while the others wait.
    public enum Phase: String, Sendable, CaseIterable {
        case all, setup, load
    }

    public enum Part: Sendable {
        /// Runs here, as given (a load's share for this shard).
        case run(Step)
        /// Shard 0 runs it (setup, server readings); recorded here as skipped, with a note.
        case leftToLead(Step)
        /// Not in the asked phase: not in this run's record at all.
        case outsidePhase(Step)

        public var step: Step {
            switch self {
            case .run(let s), .leftToLead(let s), .outsidePhase(let s): return s
            }
        }
    }

    public let shard: Shard
    public let phase: Phase
    public let parts: [Part]
    /// Why the scenario cannot be run this way (each names the step); empty when it can.
    public let problems: [String]
    /// Index in `parts` of the scenario's first load step (where `--start-at` applies).
    public let firstLoad: Int?

    public init(_ scenario: Scenario, shard: Shard, phase: Phase) {
        self.shard = shard
        self.phase = phase
        let firstLoad = scenario.steps.firstIndex { type(of: $0.spec).shardRole == .load }
        self.firstLoad = firstLoad
        var problems: [String] = []
        var parts: [Part] = []
        for (i, step) in scenario.steps.enumerated() {
            let role = type(of: step.spec).shardRole
            let name = "step \(step.path) '\(step.id)' (\(step.kind))"
            let inSetup = firstLoad.map { i < $0 } ?? true
            if phase == .setup && !inSetup || phase == .load && inSetup {
                parts.append(.outsidePhase(step))
                continue
            }
            switch role {
            case .whole:
                if shard.count > 1 {
                    problems.append("\(name) cannot be divided among shards: it runs several steps in turn or side by side with its own timing. Shard scenarios whose loads are top-level concurrentSearch, hotSearch, hybridSearch or query steps")
                }
                parts.append(.run(step))
            case .load:
                var s = step
                if let part = step.spec.part(for: shard) { s.spec = part }
                parts.append(.run(s))
            case .observe:
                parts.append(shard.isLead ? .run(step) : .leftToLead(step))
            case .setup:
                if shard.count > 1, let first = firstLoad, i > first, type(of: step.spec).endsCollectionUse {
                    problems.append("\(name) would \(step.kind) the collection when shard 0's load ends, while other shards may still be sending theirs: leave it out of the sharded run (run it afterwards, e.g. in a cleanup Job)")
                }
                if let part = step.spec.part(for: shard) {
                    var s = step
                    s.spec = part
                    parts.append(.run(s))
                } else {
                    parts.append(shard.isLead ? .run(step) : .leftToLead(step))
                }
            }
        }
        if phase != .all, firstLoad == nil {
            problems.append("--phase \(phase.rawValue): the scenario has no load step (concurrentSearch, hotSearch, hybridSearch or query) to divide setup from load at")
        }
        self.parts = parts
        self.problems = problems
    }

    /// The ids of the steps this process runs, with those nested in a `parallel` (which
    /// thresholds may name).
    public var idsRun: Set<String> {
        Set(parts.flatMap { part -> [String] in
            guard case .run(let step) = part else { return [] }
            return step.withStepsRunOnce.map(\.id)
        })
    }

    /// Whether this process must wait until the collection is loaded before its first step on
    /// it: another shard (shard 0, or a setup Job) prepares it.
    public var waitsForSetup: Bool { !shard.isLead || phase == .load }
}

extension UpsertStep {
    /// Written `perShard: true`: this shard's rows, as an insert divides them.
    public func part(for shard: Shard) -> UpsertStep? {
        guard rows.perShard, let share = rows.share(for: shard) else { return nil }
        var u = self
        u.rows = share
        return u
    }
}
