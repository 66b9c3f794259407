/// Which write holds each int64 primary key now: key ranges mapped to the rows of a write source
/// (`source`, `row`), so a collection of ten million rows written in batches is a handful of
/// ranges, and memory grows with the writes and the deleted ranges, not with the rows.
///
/// Ranges are kept sorted in chunks of at most `chunkLimit`, so an insert, upsert or delete in
/// the middle moves one chunk, not all of them. A delete of a few keys inside a range marks them
/// dead in a bitmap instead of splitting it, so a million scattered deletes cost ~1 MiB, not a
/// million ranges.
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

    /// Keys `lo ..< hi` hold rows `row ..< row + (hi - lo)` of `source`. 16 bytes: the first
    /// key, then the row (36 bits), the length (16 bits), the source (11 bits) and the
    /// indeterminate flag packed in one word — a longer run of keys is several ranges.
    public struct Range: Sendable, Hashable {
        public var lo: Int64
        private var packed: UInt64

        /// Most keys in one range.
        public static let maxLength = 0xFFFF
        /// Rows per source and sources the packing holds (`KeyMap.fits` says whether a write does).
        public static let maxRow: Int64 = 1 << 36 - 1
        public static let maxSource: Int32 = 1 << 11 - 1

        public init(lo: Int64, hi: Int64, row: Int64, source: Int32, indeterminate: Bool) {
            precondition(hi - lo <= Int64(Self.maxLength) && hi >= lo, "a range of \(hi - lo) keys")
            precondition(row >= 0 && row + (hi - lo) <= Self.maxRow + 1 && source >= 0 && source <= Self.maxSource, "row \(row) of source \(source)")
            self.lo = lo
            packed = UInt64(row) | UInt64(hi - lo) << 36 | UInt64(source) << 52 | (indeterminate ? 1 << 63 : 0)
        }

        public var row: Int64 { Int64(packed & (1 << 36 - 1)) }
        public var count: Int { Int(packed >> 36 & 0xFFFF) }
        public var hi: Int64 {
            get { lo + Int64(count) }
            set { packed = packed & ~(UInt64(0xFFFF) << 36) | UInt64(newValue - lo) << 36 }
        }
        public var source: Int32 { Int32(packed >> 52 & 0x7FF) }
        public var indeterminate: Bool {
            get { packed >> 63 == 1 }
            set { packed = newValue ? packed | 1 << 63 : packed & ~(1 << 63) }
        }

        func entry(_ key: Int64) -> Entry { Entry(source: source, row: row + (key - lo), indeterminate: indeterminate) }
        /// Keys `a ..< b` of this range (within it).
        func slice(_ a: Int64, _ b: Int64) -> Range {
            Range(lo: a, hi: b, row: row + (a - lo), source: source, indeterminate: indeterminate)
        }
        /// `next` continues this range: the next keys, the next rows of the same source.
        func continues(with next: Range) -> Bool {
            hi == next.lo && source == next.source && indeterminate == next.indeterminate && row + Int64(count) == next.row
                && count + next.count <= Self.maxLength
        }
    }

    /// Whether rows `firstRow ..< firstRow + count` of `source` can be mapped (the packing's bounds).
    public static func fits(source: Int32, firstRow: Int64, count: Int) -> Bool {
        source >= 0 && source <= Range.maxSource && firstRow >= 0 && firstRow + Int64(count) <= Range.maxRow + 1
    }

    static let chunkLimit = 512
    /// A delete of at most this many keys strictly inside one range marks them dead instead of
    /// splitting the range: scattered deletes cost a bit each, not a range.
    static let holeLimit = 64
    private var chunks: [[Range]] = []
    /// Keys inside ranges that a delete took away without splitting them: pages of 2^16 keys,
    /// a bit per key. Only keys a range covers are ever dead; a range that stops covering a key
    /// (cut, replaced) clears its bit.
    private var dead: [Int64: [UInt64]] = [:]
    private var deadCount = 0
    /// Keys mapped (live).
    public private(set) var count = 0

    public init() {}

    /// Ranges held (what the memory grows with).
    public var rangeCount: Int { chunks.reduce(0) { $0 + $1.count } }
    /// Bytes the ranges and the dead-key pages take.
    public var bytes: Int {
        chunks.reduce(0) { $0 + $1.capacity * MemoryLayout<Range>.stride } + chunks.capacity * MemoryLayout<[Range]>.stride
            + dead.count * (1024 * 8 + 64)
    }

    /// What `key` holds now; nil when no write holds it (never written, or deleted).
    public func entry(_ key: Int64) -> Entry? {
        guard let c = chunkIndex(for: key) else { return nil }
        let chunk = chunks[c]
        let i = Self.firstEnding(after: key, in: chunk)
        guard i < chunk.count, chunk[i].lo <= key, !isDead(key) else { return nil }
        return chunk[i].entry(key)
    }

    /// Every run of live keys in key order.
    public func forEach(_ body: (Range) throws -> Void) rethrows {
        for chunk in chunks { for r in chunk { try liveParts(of: r, body) } }
    }

    /// The runs of live keys within `lo ..< hi`, cut to it.
    public func ranges(_ lo: Int64, _ hi: Int64) -> [Range] {
        guard lo < hi else { return [] }
        var out: [Range] = []
        var c = chunkIndex(for: lo) ?? 0
        while c < chunks.count, let first = chunks[c].first, first.lo < hi {
            let chunk = chunks[c]
            var i = Self.firstEnding(after: lo, in: chunk)
            while i < chunk.count, chunk[i].lo < hi {
                liveParts(of: chunk[i].slice(max(lo, chunk[i].lo), min(hi, chunk[i].hi))) { out.append($0) }
                i += 1
            }
            c += 1
        }
        return out
    }

    /// Keys `keys[i]` now hold rows `firstRow + i` of `source` (an insert's or upsert's batch,
    /// keys in row order); what they held before is forgotten. The rows must fit (`fits`).
    public mutating func assign(keys: [Int64], source: Int32, firstRow: Int64, indeterminate: Bool = false) {
        var start = 0
        while start < keys.count {
            var end = start + 1
            while end < keys.count, end - start < Range.maxLength, keys[end] == keys[end - 1] + 1 { end += 1 }
            assign(Range(lo: keys[start], hi: keys[end - 1] + 1, row: firstRow + Int64(start), source: source, indeterminate: indeterminate))
            start = end
        }
    }

    /// Keys `range.lo ..< range.hi` now hold `range`'s rows.
    public mutating func assign(_ range: Range) {
        guard range.lo < range.hi else { return }
        cut(range.lo, range.hi)
        insert(range)
    }

    /// Keys `lo ..< hi` no longer hold anything (deleted). Returns how many did.
    @discardableResult
    public mutating func remove(_ lo: Int64, _ hi: Int64) -> Int {
        guard lo < hi else { return 0 }
        // A few keys strictly inside one range: dead, the range stays whole.
        if hi - lo <= Self.holeLimit, let c = chunkIndex(for: lo) {
            let chunk = chunks[c]
            let i = Self.firstEnding(after: lo, in: chunk)
            if i < chunk.count, chunk[i].lo < lo, hi < chunk[i].hi {
                var removed = 0
                for k in lo..<hi where markDead(k) { removed += 1 }
                count -= removed
                return removed
            }
        }
        return cut(lo, hi)
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

    /// Takes keys `lo ..< hi` out of the ranges, splitting those they cut. Returns how many live
    /// keys it took.
    @discardableResult
    private mutating func cut(_ lo: Int64, _ hi: Int64) -> Int {
        guard lo < hi, var c = chunkIndex(for: lo) else { return 0 }
        var covered = 0
        while c < chunks.count, let first = chunks[c].first, first.lo < hi {
            var chunk = chunks[c]
            let i = Self.firstEnding(after: lo, in: chunk)
            var j = i
            var replacement: [Range] = []
            while j < chunk.count, chunk[j].lo < hi {
                let r = chunk[j]
                let a = max(lo, r.lo), b = min(hi, r.hi)
                covered += Int(b - a)
                if r.lo < a { replacement.append(r.slice(r.lo, a)) }
                if b < r.hi { replacement.append(r.slice(b, r.hi)) }
                j += 1
            }
            if i == j { c += 1; continue }
            chunk.replaceSubrange(i..<j, with: replacement)
            c += store(chunk, at: c)
        }
        // No range covers these keys any more: their dead bits go, and were not live.
        let removed = covered - clearDead(lo, hi)
        count -= removed
        return removed
    }

    private func isDead(_ key: Int64) -> Bool {
        guard deadCount > 0, let page = dead[key >> 16] else { return false }
        let bit = Int(key & 0xFFFF)
        return page[bit >> 6] >> UInt64(bit & 63) & 1 == 1
    }

    /// Marks a covered key dead; false when it already was.
    private mutating func markDead(_ key: Int64) -> Bool {
        let bit = Int(key & 0xFFFF)
        let mask: UInt64 = 1 << UInt64(bit & 63)
        var page = dead[key >> 16] ?? [UInt64](repeating: 0, count: 1024)
        guard page[bit >> 6] & mask == 0 else { return false }
        page[bit >> 6] |= mask
        dead[key >> 16] = page
        deadCount += 1
        return true
    }

    /// The pages holding dead keys among `lo ..< hi`, in order.
    private func deadPages(_ lo: Int64, _ hi: Int64) -> [Int64] {
        guard deadCount > 0, lo < hi else { return [] }
        let first = lo >> 16, last = (hi - 1) >> 16
        if last - first < Int64(dead.count) { return (first...last).filter { dead[$0] != nil } }
        return dead.keys.filter { $0 >= first && $0 <= last }.sorted()
    }

    /// Calls `body` with the bits of page `p` within `lo ..< hi`: word index, mask.
    private static func words(page p: Int64, _ lo: Int64, _ hi: Int64, _ body: (Int, UInt64) -> Void) {
        let base = p << 16
        var i = Int(max(lo, base) - base)
        let end = Int(min(hi, base + 65536) - base)
        while i < end {
            let offset = i & 63
            let n = min(64 - offset, end - i)
            body(i >> 6, (n == 64 ? ~0 : (1 << UInt64(n)) - 1) << UInt64(offset))
            i += n
        }
    }

    /// Clears the dead bits of keys `lo ..< hi`; returns how many were set.
    private mutating func clearDead(_ lo: Int64, _ hi: Int64) -> Int {
        var cleared = 0
        for p in deadPages(lo, hi) {
            var page = dead[p]!
            Self.words(page: p, lo, hi) { w, mask in
                cleared += (page[w] & mask).nonzeroBitCount
                page[w] &= ~mask
            }
            dead[p] = page.allSatisfy { $0 == 0 } ? nil : page
        }
        deadCount -= cleared
        return cleared
    }

    /// The live runs of `r`: cut around its dead keys.
    private func liveParts(of r: Range, _ body: (Range) throws -> Void) rethrows {
        var holes: [Int64] = []
        for p in deadPages(r.lo, r.hi) {
            let page = dead[p]!
            Self.words(page: p, r.lo, r.hi) { w, mask in
                var bits = page[w] & mask
                while bits != 0 {
                    holes.append(p << 16 + Int64(w * 64 + bits.trailingZeroBitCount))
                    bits &= bits - 1
                }
            }
        }
        guard !holes.isEmpty else { return try body(r) }
        var a = r.lo
        for k in holes {
            if a < k { try body(r.slice(a, k)) }
            a = k + 1
        }
        if a < r.hi { try body(r.slice(a, r.hi)) }
    }

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
    /// splits — scattered upserts — must not grow one chunk without end). Returns how many
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
