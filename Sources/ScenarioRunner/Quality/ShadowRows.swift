import GroundTruth
import MilvusClient

/// A block of one write source's rows, made again: the columns asked for, and which key holds
/// each row now.
struct ShadowBlock {
    var source: Int
    var firstRow: Int64
    var count: Int
    /// The generated columns asked for, every row of the block as it was sent.
    var columns: [String: Column]
    /// Per row: the key holding it now; nil when none does (deleted, replaced, never acknowledged).
    var keys: [Int64?]
    /// Per row: whether its write (or a delete of it) has an unknown outcome.
    var indeterminate: [Bool]
}

extension CollectionShadow {
    /// Streams the rows some key holds now, source by source, `block` rows at a time, making
    /// only `fields` again (a field that is not generated — the auto-ID key — is left out; the
    /// block's keys give it). `rowsNeeded`: per source, the rows after which nothing is wanted.
    func forEachBlock(fields: Set<String>, block: Int = 8192, rowsNeeded: [Int: Int64]? = nil,
                      _ body: (ShadowBlock) throws -> Void) throws {
        var live: [[KeyMap.Range]] = Array(repeating: [], count: sources.count)
        keys.forEach { live[Int($0.source)].append($0) }
        for s in sources.indices where !live[s].isEmpty {
            let ranges = live[s].sorted { $0.row < $1.row }
            let lastRow = ranges.map { $0.row + Int64($0.count) }.max()!
            let end = min(lastRow, rowsNeeded.map { $0[s] ?? 0 } ?? lastRow)
            guard end > 0 else { continue }
            var generators = sources[s].generators.filter { fields.contains($0.field.name) }
            for i in generators.indices { try generators[i].prepare(rows: 0) }
            var row: Int64 = 0
            var p = 0
            while row < end {
                let n = Int(min(Int64(block), end - row))
                var columns: [String: Column] = [:]
                for i in generators.indices { columns[generators[i].field.name] = try generators[i].nextColumn(n) }
                var keys = [Int64?](repeating: nil, count: n)
                var indeterminate = [Bool](repeating: false, count: n)
                while p < ranges.count, ranges[p].row + Int64(ranges[p].count) <= row { p += 1 }
                var q = p
                var any = false
                while q < ranges.count, ranges[q].row < row + Int64(n) {
                    let r = ranges[q]
                    for x in max(row, r.row)..<min(row + Int64(n), r.row + Int64(r.count)) {
                        keys[Int(x - row)] = r.lo + (x - r.row)
                        indeterminate[Int(x - row)] = r.indeterminate
                    }
                    any = true
                    q += 1
                }
                if any {
                    try body(ShadowBlock(source: s, firstRow: row, count: n, columns: columns, keys: keys, indeterminate: indeterminate))
                }
                row += Int64(n)
            }
        }
    }

    /// The current values of `fields` of the rows `keys` hold (keys no row holds are left out),
    /// made again in one pass over the sources up to the last row needed.
    func values(of keys: Set<Int64>, fields: Set<String>) throws -> [Int64: [String: FieldValue]] {
        var needed: [Int: Int64] = [:]
        for key in keys {
            guard let e = self.keys.entry(key) else { continue }
            needed[Int(e.source)] = max(needed[Int(e.source)] ?? 0, e.row + 1)
        }
        var out: [Int64: [String: FieldValue]] = [:]
        guard !needed.isEmpty else { return out }
        try forEachBlock(fields: fields, rowsNeeded: needed) { b in
            var decoded: [String: [FieldValue]]?
            for (i, key) in b.keys.enumerated() {
                guard let key, keys.contains(key) else { continue }
                if decoded == nil { decoded = b.columns.mapValues(\.values) }
                var row: [String: FieldValue] = [:]
                for (name, values) in decoded! { row[name] = values[i] }
                out[key] = row
            }
        }
        return out
    }
}
