/// Which write holds each int64 primary key now: key ranges mapped to the rows of a write source
/// (`source`, `row`), so a collection of ten million rows written in batches is a handful of
/// ranges, and memory grows with the writes and the deleted ranges, not with the rows.
///
/// Ranges are kept sorted in chunks of at most `chunkLimit`, so an insert, upsert or delete in
/// the middle moves one chunk, not all of them: a million scattered deletes stay a matter of
/// seconds.
public struct KeyMap: Sendable {
    /// What a key maps to: row `row` of write source `source`. `indeterminate`: the write's
    /// outcome is unknown (it timed out or its connection was lost), so the key may hold this
    /// row or what it held before.
    public struct Entry: Sendable, Hashable {
        public var source: Int32
        public var row: Int64
        public var indeterminate: Bool

        public init(source: Int32, row: Int64, indeterminate: Bool = false) {
            self.source = source
            self.row = row
            self.indeterminate = indeterminate
        }
    }

    /// Keys `lo ..< hi` hold rows `row ..< row + (hi - lo)` of `source`. 24 bytes: the length
    /// and the source (its sign the indeterminate flag) packed.
    public struct Range: Sendable, Hashable {
        public var lo: Int64
        public var row: Int64
        private var length: UInt32
        private var tagged: Int32

        public init(lo: Int64, hi: Int64, row: Int64, source: Int32, indeterminate: Bool) {
            precondition(hi - lo <= Int64(UInt32.max), "a range longer than 2^32 keys")
            self.lo = lo
            self.row = row
            self.length = UInt32(hi - lo)
            self.tagged = indeterminate ? ~source : source
        }

        public var hi: Int64 {
            get { lo + Int64(length) }
            set { length = UInt32(newValue - lo) }
        }
        public var source: Int32 { tagged < 0 ? ~tagged : tagged }
        public var indeterminate: Bool {
            get { tagged < 0 }
            set { tagged = newValue ? ~source : source }
        }

        public var count: Int { Int(length) }
        func entry(_ key: Int64) -> Entry { Entry(source: source, row: row + (key - lo), indeterminate: indeterminate) }
        /// Keys `a ..< b` of this range (within it).
        func slice(_ a: Int64, _ b: Int64) -> Range {
            Range(lo: a, hi: b, row: row + (a - lo), source: source, indeterminate: indeterminate)
        }
        /// `next` continues this range: the next keys, the next rows of the same source.
        func continues(with next: Range) -> Bool {
            hi == next.lo && tagged == next.tagged && row + Int64(count) == next.row && Int64(length) + Int64(next.length) <= Int64(UInt32.max)
        }
    }

    static let chunkLimit = 512
    private var chunks: [[Range]] = []
    /// Keys mapped.
    public private(set) var count = 0

    public init() {}

    /// Ranges held (what the memory grows with).
    public var rangeCount: Int { chunks.reduce(0) { $0 + $1.count } }
    /// Bytes the ranges take.
    public var bytes: Int { chunks.reduce(0) { $0 + $1.capacity * MemoryLayout<Range>.stride } + chunks.capacity * MemoryLayout<[Range]>.stride }

    /// What `key` holds now; nil when no write holds it (never written, or deleted).
    public func entry(_ key: Int64) -> Entry? {
        guard let c = chunkIndex(for: key) else { return nil }
        let chunk = chunks[c]
        let i = Self.firstEnding(after: key, in: chunk)
        guard i < chunk.count, chunk[i].lo <= key else { return nil }
        return chunk[i].entry(key)
    }

    /// Every range in key order.
    public func forEach(_ body: (Range) throws -> Void) rethrows {
        for chunk in chunks { for r in chunk { try body(r) } }
    }

    /// The ranges of keys `lo ..< hi` that are held, cut to it.
    public func ranges(_ lo: Int64, _ hi: Int64) -> [Range] {
        guard lo < hi else { return [] }
        var out: [Range] = []
        var c = chunkIndex(for: lo) ?? 0
        while c < chunks.count, let first = chunks[c].first, first.lo < hi {
            let chunk = chunks[c]
            var i = Self.firstEnding(after: lo, in: chunk)
            while i < chunk.count, chunk[i].lo < hi {
                out.append(chunk[i].slice(max(lo, chunk[i].lo), min(hi, chunk[i].hi)))
                i += 1
            }
            c += 1
        }
        return out
    }

    /// Keys `keys[i]` now hold rows `firstRow + i` of `source` (an insert's or upsert's batch,
    /// keys in row order); what they held before is forgotten.
    public mutating func assign(keys: [Int64], source: Int32, firstRow: Int64, indeterminate: Bool = false) {
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count, keys[end] == keys[end - 1] + 1 { end += 1 }
            assign(Range(lo: keys[start], hi: keys[end - 1] + 1, row: firstRow + Int64(start), source: source, indeterminate: indeterminate))
            start = end
        }
    }

    /// Keys `range.lo ..< range.hi` now hold `range`'s rows.
    public mutating func assign(_ range: Range) {
        guard range.lo < range.hi else { return }
        remove(range.lo, range.hi)
        insert(range)
    }

    /// Keys `lo ..< hi` no longer hold anything (deleted). Returns how many did.
    @discardableResult
    public mutating func remove(_ lo: Int64, _ hi: Int64) -> Int {
        guard lo < hi, var c = chunkIndex(for: lo) else { return 0 }
        var removed = 0
        while c < chunks.count, let first = chunks[c].first, first.lo < hi {
            var chunk = chunks[c]
            let i = Self.firstEnding(after: lo, in: chunk)
            var j = i
            var replacement: [Range] = []
            while j < chunk.count, chunk[j].lo < hi {
                let r = chunk[j]
                let a = max(lo, r.lo), b = min(hi, r.hi)
                removed += Int(b - a)
                if r.lo < a { replacement.append(r.slice(r.lo, a)) }
                if b < r.hi { replacement.append(r.slice(b, r.hi)) }
                j += 1
            }
            if i == j { c += 1; continue }
            chunk.replaceSubrange(i..<j, with: replacement)
            c += store(chunk, at: c)
        }
        count -= removed
        return removed
    }

    /// Marks keys `lo ..< hi` indeterminate (a delete whose outcome is unknown): they may hold
    /// their rows or nothing.
    public mutating func markIndeterminate(_ lo: Int64, _ hi: Int64) {
        for var r in ranges(lo, hi) where !r.indeterminate {
            r.indeterminate = true
            assign(r)
        }
    }

    // MARK: - Inside

    /// The chunk whose ranges could hold `key`: the last one starting at or before it (or the
    /// first, when every chunk starts after it); nil when there are none.
    private func chunkIndex(for key: Int64) -> Int? {
        guard !chunks.isEmpty else { return nil }
        var low = 0, high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if chunks[mid][0].lo <= key { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    /// The first range of `chunk` that ends after `key` (its `hi` > key).
    private static func firstEnding(after key: Int64, in chunk: [Range]) -> Int {
        var low = 0, high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if chunk[mid].hi <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Adds a range whose keys are free, joined to a neighbour it continues.
    private mutating func insert(_ range: Range) {
        count += range.count
        guard let c = chunkIndex(for: range.lo) else {
            chunks = [[range]]
            return
        }
        var chunk = chunks[c]
        var i = Self.firstEnding(after: range.lo, in: chunk)
        if i > 0, chunk[i - 1].continues(with: range) {
            chunk[i - 1].hi = range.hi
            i -= 1
        } else {
            chunk.insert(range, at: i)
        }
        if i + 1 < chunk.count, chunk[i].continues(with: chunk[i + 1]) {
            chunk[i].hi = chunk[i + 1].hi
            chunk.remove(at: i + 1)
        } else if i + 1 == chunk.count, c + 1 < chunks.count, chunk[i].continues(with: chunks[c + 1][0]) {
            chunk[i].hi = chunks[c + 1][0].hi
            chunks[c + 1].removeFirst()
            if chunks[c + 1].isEmpty { chunks.remove(at: c + 1) }
        }
        _ = store(chunk, at: c)
    }

    /// Puts a changed chunk back: dropped when empty, halved when over `chunkLimit` (a run of
    /// splits — scattered deletes — must not grow one chunk without end). Returns how many
    /// chunks it now takes.
    private mutating func store(_ chunk: [Range], at c: Int) -> Int {
        if chunk.isEmpty {
            chunks.remove(at: c)
            return 0
        }
        guard chunk.count > Self.chunkLimit else {
            chunks[c] = chunk
            return 1
        }
        let parts = stride(from: 0, to: chunk.count, by: Self.chunkLimit / 2).map { Array(chunk[$0..<min(chunk.count, $0 + Self.chunkLimit / 2)]) }
        chunks.replaceSubrange(c...c, with: parts)
        return parts.count
    }
}
