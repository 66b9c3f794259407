import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import ScenarioReport
import ScenarioRecord
import ScenarioSpec
import Testing

@Suite("report writers")
struct WriterTests {
    static func load(_ name: String) throws -> RunRecord {
        try RunRecord.load(from: GoldenTests.root.appendingPathComponent(name).appendingPathComponent("run.json"))
    }

    /// The cluster recovery run, as if count(*) had answered 0 twice after the fault (as Milvus
    /// 2.3.5 does while a restarted query node takes over) and Flush had been repeated.
    static func recoveredCount(_ outcome: RowCountRecord.Outcome) throws -> RunRecord {
        var record = try load("health_recovery_cluster")
        let i = try #require(record.steps.firstIndex { $0.watch != nil })
        let counts: [Int?] = outcome == .recovered ? [0, 0, 20000] : [nil, nil]
        let tries = counts.enumerated().map { n, c in
            RowCountRecord.Try(atMs: Double(n) * 3000, count: c, statistics: c == nil ? nil : 20000, error: c == nil ? "code 101: collection not loaded" : nil)
        }
        let rows = outcome == .recovered ? 20000 : nil
        record.steps[i].updateDetails(of: WatchStep.self) {
            $0.watch!.rowCount = RowCountRecord(outcome: outcome, expected: 20000, rows: rows, source: "count(*)", tries: tries,
                                                lowForMs: outcome == .recovered ? 6000 : nil, stableTries: 4)
            $0.watch!.rowsAfter = rows
            $0.watch!.background?.emptyResults = 35
        }
        record.steps[i].retries = ["Flush: channel not found": 2]
        return record
    }

    @Test("a count that was low for a while is shown as the finding it is, in both languages; an unverified one as unverified")
    func rowCountFinding() throws {
        let recovered = try Self.recoveredCount(.recovered)
        let summary = Summary.text(recovered)
        #expect(summary.contains("rows: 20000 before, 20000 after: count(*) answered 0 (below 20000) for 6.0 s before it was back at 20000; the collection statistics said 20000 — nothing lost; 3 counts"), "\(summary)")
        #expect(summary.contains("35 background searches succeeded with no hits"))
        #expect(summary.contains("repeated after transient failures: Flush: channel not found ×2"))
        let en = try #require(ReportSet.render(recovered, language: "en").first { $0.name == "report.md" }).contents
        #expect(en.contains("| Row count after the watch | count(*) answered 0 (below 20000) for 6.0 s"), "\(en)")
        #expect(en.contains("| Background searches that succeeded with no hits | 35 |"))
        let zh = try #require(ReportSet.render(recovered, language: "zh").first { $0.name == "report.md" }).contents
        #expect(zh.contains("count(*) 在 6.0 秒内返回 0（低于 20000），之后恢复为 20000"), "\(zh)")

        let unverified = Summary.text(try Self.recoveredCount(.unavailable))
        #expect(unverified.contains("rows: 20000 before, after unverified: unverified: counts seen error, error (last error: code 101: collection not loaded)"), "\(unverified)")
    }

    @Test("CSV quotes what RFC 4180 says and nothing else")
    func csvQuoting() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVWriter.field("中文") == "中文")
        let t = ReportTable(id: "t", title: "T", columns: [.init(id: "a", header: "A"), .init(id: "b", header: "B")],
                            rows: [[.init("1"), .init("x,y")]])
        #expect(CSVWriter.render(t) == "a,b\r\n1,\"x,y\"\r\n")
    }

    @Test("XML text escapes markup and drops characters XML cannot hold")
    func xmlEscaping() {
        #expect(xml("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;")
        #expect(xml("bell\u{07}tab\t") == "belltab\t")
    }

    @Test("Markdown cells cannot break the table or inject HTML")
    func markdownCells() {
        #expect(MarkdownReport.escapeCell("a|b\nc<script>") == "a\\|b c&lt;script&gt;")
    }

    @Test("every SVG and junit.xml is well-formed XML", arguments: GoldenTests.cases)
    func wellFormed(_ name: String) throws {
        for f in ReportSet.render(try Self.load(name)) where f.name.hasSuffix(".svg") || f.name.hasSuffix(".xml") {
            let parser = XMLParser(data: Data(f.contents.utf8))
            #expect(parser.parse(), "\(name)/\(f.name): \(parser.parserError.map { "\($0)" } ?? "")")
        }
    }

    @Test("the percentile spectrum reads the encoded histogram")
    func spectrum() throws {
        // 90 values at 1 ms, 9 at 10 ms, 1 at 100 ms.
        let h = EncodedHistogram(significantDigits: 3, counts: [[1000, 90], [10000, 9], [100_000, 1]])
        let points = try #require(Charts.spectrum(h))
        func at(_ decades: Double) -> Double { points.first { abs($0.0 - decades) < 1e-9 }!.1 }
        #expect(at(0) == 1)        // 0 %
        #expect(at(1) == 1)        // 90 %: the 90th value
        #expect(at(1.5) == 10)     // 96.8 %
        #expect(points.last!.1 == 100)
        #expect(Charts.spectrum(EncodedHistogram(significantDigits: 3, counts: [])) == nil)
    }

    @Test("axis maxima are round and above the data")
    func niceAxis() {
        #expect(Charts.nice(0) == 1)
        #expect(Charts.nice(9.9) == 20)
        #expect(Charts.nice(131) == 200)
        #expect(Charts.nice(237) == 250)
        #expect(Charts.percentLabel(1) == "90%" && Charts.percentLabel(2) == "99%" && Charts.percentLabel(4) == "99.99%")
    }

    @Test("labels that do not fit are shortened")
    func fitting() {
        #expect(Charts.fit("querynode4", width: 200, size: 11) == "querynode4")
        let short = Charts.fit("一个非常非常长的中文标签", width: 50, size: 11)
        #expect(short.hasSuffix("…") && Charts.textWidth(short, size: 11) <= 50)
    }

    @Test("compare on a real record: itself is within tolerance everywhere; QPS halved (no series in this older record) is judged on the tolerance alone")
    func compareRealRecord() throws {
        let base = try Self.load("load_balance_cluster")
        let same = RunComparison(old: base, new: base)
        #expect(same.regressions.isEmpty && same.gatedRows.allSatisfy { $0.verdict == .withinTolerance })
        var worse = base
        for i in worse.steps.indices where worse.steps[i].kind == "concurrentSearch" { worse.steps[i].metrics["qps"]! *= 0.5 }
        let c = RunComparison(old: base, new: worse)
        #expect(!c.regressions.isEmpty && c.regressions.allSatisfy { $0.metric == "qps" && $0.note?.hasPrefix("no samples to resample: judged on the tolerance alone") == true })
        #expect(c.markdown(.init(old: "a", new: "b")).contains("❌"))
    }
}
