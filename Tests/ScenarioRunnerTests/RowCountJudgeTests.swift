import ScenarioRecord
import Testing
@testable import ScenarioRunner

/// What a series of row counts after a fault adds up to. The counts are scripted here; the
/// sequences are the ones seen on a real 2.3.5 cluster (count(*) 0 for seconds after a query
/// node came back), and `WatchRunTests` runs the counter against real servers.
@Suite("row count after a fault")
struct RowCountJudgeTests {
    typealias Try = RowCountRecord.Try

    /// Feeds counts (nil = the count failed) 3 s apart; the last one is marked as the last try.
    static func judge(_ counts: [Int?], expected: Int? = 20000, statistics: Int? = nil, recount: Duration = .seconds(90)) -> RowCountRecord? {
        var judge = RowCountJudge(expected: expected, recount: recount)
        for (i, c) in counts.enumerated() {
            let attempt = Try(atMs: Double(i) * 3000, count: c, statistics: statistics, error: c == nil ? "code 101: collection not loaded" : nil)
            if let record = judge.add(attempt, source: "count(*)", last: i == counts.count - 1) { return record }
        }
        return nil
    }

    @Test("a first count at the rows before is verified at once")
    func verified() throws {
        let r = try #require(Self.judge([20000]))
        #expect(r.outcome == .verified && r.rows == 20000 && r.tries.count == 1 && r.unverifiedReason == nil)
        #expect(try #require(Self.judge([5], expected: nil)).outcome == .verified, "nothing to compare with: one count")
    }

    @Test("0, 0, 20000 (the 2.3.5 cluster after a query node came back) is recovered: nothing lost, low for 6 s")
    func recovered() throws {
        let r = try #require(Self.judge([0, 0, 20000]))
        #expect(r.outcome == .recovered && r.rows == 20000 && r.lowForMs == 6000 && r.lowestLowCount == 0)
        #expect(r.isVerified)
        let alternating = try #require(Self.judge([0, 20000, 0]))
        #expect(alternating.outcome == .recovered, "one replica answering in full is enough: the rows are there")
        let afterErrors = try #require(Self.judge([nil, nil, 20000]))
        #expect(afterErrors.outcome == .recovered && afterErrors.lowestLowCount == nil)
    }

    @Test("the same low count for 30 s (11 counts 3 s apart) is stable: rows lost")
    func stable() throws {
        #expect(Self.judge([10000, 10000, 10000])?.outcome == .unstable, "3 equal counts are not enough: when time runs out, unverified")
        // 4 equal counts over 9 s were once 2,000 unflushed rows a restarted standalone had not
        // served yet: not enough on their own.
        #expect(Self.judge(Array(repeating: 10000, count: 10))?.outcome == .unstable, "27 s is not enough")
        let r = try #require(Self.judge(Array(repeating: 10000, count: 11)))
        #expect(r.outcome == .stable && r.rows == 10000 && r.stableTries == 4 && r.tries.count == 11)
        let broken = try #require(Self.judge([0, 0, nil] + Array(repeating: 0, count: 11)))
        #expect(broken.outcome == .stable && broken.tries.count == 14, "a failed count in between breaks the run")
        // A short recount halves the span: 20 s gives 10 s.
        let short = try #require(Self.judge(Array(repeating: 10000, count: 5), recount: .seconds(20)))
        #expect(short.outcome == .stable && short.tries.count == 5)
    }

    @Test("a low count that holds still while the statistics say every row is stored is not a loss (2.3.5: 0 four times in a row)")
    func contradicted() throws {
        var judge = RowCountJudge(expected: 20000, recount: .seconds(90))
        for i in 0..<6 {
            let verdict = judge.add(Try(atMs: Double(i) * 3000, count: 0, statistics: 20000, error: nil), source: "count(*)", last: false)
            #expect(verdict == nil, "keeps counting while the statistics contradict the count")
        }
        let answer = judge.add(Try(atMs: 18000, count: 20000, statistics: 20000, error: nil), source: "count(*)", last: false)
        let back = try #require(answer)
        #expect(back.outcome == .recovered && back.lowForMs == 18000 && back.rows == 20000)

        let ranOut = try #require(Self.judge([0, 0, 0, 0, 0], statistics: 20000))
        #expect(ranOut.outcome == .contradicted && ranOut.rows == nil && !ranOut.isVerified)
        #expect(ranOut.unverifiedReason?.contains("stored, but not served") == true, "\(ranOut.unverifiedReason ?? "")")
        let lostToo = try #require(Self.judge(Array(repeating: 10000, count: 11), statistics: 10000))
        #expect(lostToo.outcome == .stable && lostToo.rows == 10000, "statistics agreeing with the count: lost")
    }

    @Test("counts that keep changing, or never succeed, are unverified — never lost")
    func unverified() throws {
        let changing = try #require(Self.judge([0, 5000, 0, 5000, 0]))
        #expect(changing.outcome == .unstable && changing.rows == nil && !changing.isVerified)
        #expect(changing.unverifiedReason?.contains("0, 5000, 0, 5000, 0") == true, "\(changing.unverifiedReason ?? "")")
        let none = try #require(Self.judge([nil, nil]))
        #expect(none.outcome == .unavailable && none.rows == nil)
        #expect(none.unverifiedReason?.contains("collection not loaded") == true)
    }

    @Test("recount 0s: one count, taken as it is")
    func once() throws {
        let r = try #require(Self.judge([10000], recount: .zero))
        #expect(r.outcome == .stable && r.rows == 10000 && r.stableTries == 1)
        #expect(try #require(Self.judge([nil], recount: .zero)).outcome == .unavailable)
    }
}
