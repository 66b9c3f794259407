import Primitives
import Foundation

/// The made-up words of the `words` generator: word k is spelled from consonant–vowel syllables
/// (`bada`, `kore`, `mivutes`…), so every analyzer splits text into exactly these words, and
/// comes with probability ∝ 1/(k+1) — Zipf's law, as in real text: a few words common, most rare.
struct Vocabulary: Sendable {
    static let consonants = Array("bdfgklmnprstvz")
    static let vowels = Array("aeiou")
    static var syllables: Int { consonants.count * vowels.count }

    let words: [String]
    /// Cumulative weights, the last 1.
    let cumulative: [Double]

    init(_ size: Int) {
        words = (0..<size).map(Self.spell)
        var sum = 0.0
        var weights = (0..<size).map { k -> Double in sum += 1 / Double(k + 1); return sum }
        for i in weights.indices { weights[i] /= sum }
        cumulative = weights
    }

    /// Word k: k + 70 written in base 70, one syllable per digit (at least two syllables).
    static func spell(_ k: Int) -> String {
        var n = k + syllables
        var parts: [String] = []
        while n > 0 {
            let s = n % syllables
            parts.append(String([consonants[s / vowels.count], vowels[s % vowels.count]]))
            n /= syllables
        }
        return parts.reversed().joined()
    }

    /// The word at a uniform draw `u` in [0, 1).
    func word(_ u: Double) -> String {
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return words[lo]
    }
}

/// A JSON object shape from leaf paths (`user.age` nests): renders one object per row from the
/// leaves' values (already JSON text), keys in the order written.
struct JSONTemplate: Sendable {
    indirect enum Node: Sendable {
        case leaf(Int)
        case object([(String, Node)])
    }

    let root: [(String, Node)]

    init(_ paths: [[String]]) {
        var root: [(String, Node)] = []
        for (i, path) in paths.enumerated() { Self.insert(path[...], leaf: i, into: &root) }
        self.root = root
    }

    private static func insert(_ path: ArraySlice<String>, leaf: Int, into entries: inout [(String, Node)]) {
        guard let key = path.first else { return }
        if path.count == 1 {
            entries.append((key, .leaf(leaf)))
            return
        }
        if let i = entries.firstIndex(where: { $0.0 == key }), case .object(var children) = entries[i].1 {
            insert(path.dropFirst(), leaf: leaf, into: &children)
            entries[i].1 = .object(children)
        } else {
            var children: [(String, Node)] = []
            insert(path.dropFirst(), leaf: leaf, into: &children)
            entries.append((key, .object(children)))
        }
    }

    func render(_ values: [String]) -> String {
        func object(_ entries: [(String, Node)]) -> String {
            "{" + entries.map { key, node -> String in
                switch node {
                case .leaf(let i): return JSONText.quote(key) + ":" + values[i]
                case .object(let children): return JSONText.quote(key) + ":" + object(children)
                }
            }.joined(separator: ",") + "}"
        }
        return object(root)
    }
}

