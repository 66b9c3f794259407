import GroundTruth
import Primitives
import Testing

@Suite("shadow key map")
struct KeyMapTests {
    @Test("random inserts, upserts, deletes and unknown outcomes agree key by key with a dictionary")
    func againstDictionary() {
        var random = SeededRandom(seed: 11)
        var map = KeyMap()
        var truth: [Int64: KeyMap.Entry] = [:]
        var nextRow: [Int32: Int64] = [0: 0, 1: 0, 2: 0]
        for step in 0..<3000 {
            let lo = Int64(random.next() % 5000)
            let n = Int64(1 + random.next() % 300)
            switch random.next() % 4 {
            case 0, 1:
                // A batch of keys in row order: a run, sometimes with gaps and out of order.
                let source = Int32(random.next() % 3)
                var keys = Array(lo..<(lo + n))
                if step % 5 == 0 { keys = keys.filter { $0 % 3 != 0 } }
                if step % 7 == 0 { keys.reverse() }
                let first = nextRow[source]!
                let indeterminate = step % 11 == 0
                map.assign(keys: keys, source: source, firstRow: first, indeterminate: indeterminate)
                for (i, k) in keys.enumerated() { truth[k] = KeyMap.Entry(source: source, row: first + Int64(i), indeterminate: indeterminate) }
                nextRow[source] = first + Int64(keys.count)
            case 2:
                // Some deletes of a few keys (inside a range: dead bits), some of many (cuts).
                let n = step % 3 == 0 ? 1 + n % 5 : n
                let removed = map.remove(lo, lo + n)
                var expected = 0
                for k in lo..<(lo + n) where truth.removeValue(forKey: k) != nil { expected += 1 }
                #expect(removed == expected)
            default:
                map.markIndeterminate(lo, lo + n)
                for k in lo..<(lo + n) { truth[k]?.indeterminate = true }
            }
            #expect(map.count == truth.count)
        }
        for k in Int64(-10)..<5400 { #expect(map.entry(k) == truth[k], "key \(k)") }
        // In key order, disjoint, and neighbours that continue each other are one range.
        var last: KeyMap.Range?
        var keys = 0
        map.forEach { r in
            if let last { #expect(last.hi <= r.lo && !(last.hi == r.lo && last.source == r.source && last.indeterminate == r.indeterminate && last.row + Int64(last.count) == r.row)) }
            keys += r.count
            last = r
        }
        #expect(keys == truth.count)
        let slice = map.ranges(1000, 2000)
        #expect(slice.reduce(0) { $0 + $1.count } == truth.keys.filter { $0 >= 1000 && $0 < 2000 }.count)
    }

    @Test("ten million keys written in batches are a range per 65,000 of them; scattered deletes are bits, not ranges")
    func compact() {
        var map = KeyMap()
        for b in 0..<10_000 { map.assign(keys: Array(Int64(b * 1000)..<Int64(b * 1000 + 1000)), source: 0, firstRow: Int64(b * 1000)) }
        // Batches of 1,000 join until the next would pass 65,535 keys.
        #expect(map.count == 10_000_000 && map.rangeCount == 154)
        #expect(MemoryLayout<KeyMap.Range>.stride == 16)
        map.assign(keys: Array(Int64(5_000_000)..<5_001_000), source: 1, firstRow: 0)
        #expect(map.rangeCount == 156 && map.entry(5_000_500) == KeyMap.Entry(source: 1, row: 500) && map.entry(5_001_000) == KeyMap.Entry(source: 0, row: 5_001_000))
        for k in stride(from: Int64(3), to: 10_000_000, by: 10) { map.remove(k, k + 1) }
        #expect(map.count == 9_000_000 && map.entry(13) == nil && map.entry(11) == KeyMap.Entry(source: 0, row: 11))
        #expect(map.rangeCount == 156 && map.bytes < 2 << 20, "\(map.rangeCount) ranges, \(map.bytes) bytes")
        // A dead key written again holds its new row; its neighbours keep theirs.
        map.assign(keys: [23], source: 2, firstRow: 0)
        #expect(map.entry(23) == KeyMap.Entry(source: 2, row: 0) && map.entry(22) == KeyMap.Entry(source: 0, row: 22) && map.entry(33) == nil)
        var live = 0
        map.forEach { live += $0.count }
        #expect(live == map.count)
        // A source past the packing's bounds does not fit (the shadow then gives up, saying why).
        #expect(!KeyMap.fits(source: 2048, firstRow: 0, count: 1) && !KeyMap.fits(source: 0, firstRow: 1 << 36, count: 1) && KeyMap.fits(source: 2047, firstRow: 0, count: 1))
    }
}
