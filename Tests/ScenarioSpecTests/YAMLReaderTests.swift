import Testing
@testable import ScenarioSpec

@Suite("YAML reader")
struct YAMLReaderTests {
    @Test("every node knows its line and column")
    func marks() throws {
        let text = """
        a: 1
        list:
          - x
          - {k: "v"}
        """
        let result = YAMLReader.read(text, file: "f.yaml")
        #expect(result.diagnostics.isEmpty)
        let root = try #require(result.root)
        #expect(root.mark == Mark(file: "f.yaml", line: 1, column: 1))
        #expect(root["a"]?.mark == Mark(file: "f.yaml", line: 1, column: 4))
        let list = try #require(root["list"]?.sequence)
        #expect(list[0].mark.line == 3 && list[0].mark.column == 5)
        #expect(list[1]["k"]?.mark == Mark(file: "f.yaml", line: 4, column: 9))
        #expect(list[1]["k"]?.scalar?.style == .doubleQuoted)
    }

    @Test("columns count characters, not bytes")
    func unicodeColumns() throws {
        let root = try #require(YAMLReader.read("标题: 负载均衡\nx: 1\n", file: "f").root)
        #expect(root["标题"]?.mark.column == 5)
        #expect(root["标题"]?.scalar?.text == "负载均衡")
    }

    @Test("aliases copy the anchored node and merge keys apply with explicit keys winning")
    func anchorsAndMerge() throws {
        let text = """
        base: &base {topK: 10, params: {nprobe: 8}}
        other: &other {topK: 1, nq: 2, extra: 1}
        use:
          <<: [*base, *other]
          topK: 20
        copy: *base
        """
        let result = YAMLReader.read(text, file: "f")
        #expect(result.diagnostics.isEmpty)
        let root = try #require(result.root)
        let use = try #require(root["use"])
        #expect(use["topK"]?.scalar?.text == "20")
        #expect(use["nq"]?.scalar?.text == "2")
        #expect(use["extra"]?.scalar?.text == "1")
        #expect(use["params"]?["nprobe"]?.scalar?.text == "8")
        #expect(use.mapping?.count == 4)
        // The copy keeps the anchored node's marks, so errors point where the value was written.
        #expect(root["copy"]?["topK"]?.mark.line == 1)
    }

    @Test("null forms")
    func nulls() throws {
        let root = try #require(YAMLReader.read("a:\nb: ~\nc: null\nd: ''\ne: 'null'\n", file: "f").root)
        #expect(root["a"]!.isNull && root["b"]!.isNull && root["c"]!.isNull)
        #expect(!root["d"]!.isNull && !root["e"]!.isNull)
    }

    @Test("explicit !!str keeps a value text")
    func strTag() throws {
        let root = try #require(YAMLReader.read("a: !!str 10\n", file: "f").root)
        #expect(root["a"]?.scalar?.style == .singleQuoted)
    }

    @Test("duplicate keys are reported with both positions")
    func duplicates() {
        let result = YAMLReader.read("a: 1\nb:\n  c: 1\n  c: 2\n", file: "f")
        #expect(result.diagnostics.map(\.description) == [
            "f:4:3: error: duplicate key 'c' (first written at 3:3); a later value would silently replace the first",
        ])
    }

    @Test("deep input is refused without recursion", arguments: [300, 10_000, 200_000])
    func deepNesting(depth: Int) {
        let text = "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let result = YAMLReader.read(text, file: "f")
        #expect(result.root == nil)
        #expect(result.diagnostics.first?.message.contains("nested more than 256 levels") == true)
    }

    @Test("nesting up to the limit is fine")
    func nestingAtLimit() {
        let depth = YAMLReader.maximumDepth - 1
        let text = "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(YAMLReader.read(text, file: "f").diagnostics.isEmpty)
    }

    @Test("an alias bomb stops at the expansion limit")
    func aliasBomb() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1..<12 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let result = YAMLReader.read(lines.joined(separator: "\n"), file: "f")
        #expect(result.root == nil)
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.message.contains("more than 100000 nodes") == true)
    }

    @Test("UTF-16 with a byte-order mark is read")
    func utf16() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "a: 名\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let result = YAMLReader.read(bytes: bytes, file: "f")
        #expect(result.diagnostics.isEmpty)
        #expect(result.root?["a"]?.scalar?.text == "名")
    }

    @Test("random bytes never crash the reader", arguments: 0..<200)
    func randomBytes(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        let count = Int(generator.next() % 512)
        // Mostly YAML punctuation and letters, sometimes any byte.
        let alphabet = Array("{}[]:,-&*!|>'\"#%@` \n\tab<".utf8)
        let bytes = (0..<count).map { _ -> UInt8 in
            let r = generator.next()
            return r % 10 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : alphabet[Int(r >> 8) % alphabet.count]
        }
        let result = YAMLReader.read(bytes: bytes, file: "f")
        for d in result.diagnostics {
            #expect(d.mark.line >= 1 && d.mark.column >= 1)
        }
        // And the whole loader copes too.
        _ = ScenarioLoader.decode(bytes: bytes, file: "f")
    }
}

/// A small deterministic generator for fuzz-style tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
