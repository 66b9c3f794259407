import Testing
@testable import ScenarioRunner
@testable import ScenarioSpec

/// The filter evaluator recall uses to pick the rows a filtered search may return.
@Suite("filter expressions")
struct FilterExpressionTests {
    static func row(_ values: [String: FilterExpression.Value]) -> (String) -> FilterExpression.Value? { { values[$0] } }

    @Test("comparisons, membership, like, and/or/not, parentheses", arguments: [
        ("category == \"books\"", true),
        ("category != 'books'", false),
        ("price < 10", true),
        ("10 > price", true),
        ("price >= 9.5 and price <= 9.5", true),
        ("id in [1, 2, 3]", true),
        ("id not in [1, 2, 3]", false),
        ("category like \"bo%\"", true),
        ("category like \"%ok%\"", true),
        ("category like \"%x\"", false),
        ("not (price > 5) or category == \"books\"", true),
        ("!(id == 2) && flag == true", false),
        ("flag == false || id == 2 and price > 100", false),
        ("(flag == false || id == 2) and price < 100", true),
        ("price == \"9.5\"", false),
        ("price != \"9.5\"", true),
        ("x > -1.5e1", true),
    ])
    func evaluates(_ text: String, _ expected: Bool) throws {
        let e = try FilterExpression.parse(text).get()
        let r = Self.row(["category": .text("books"), "price": .number(9.5), "id": .number(2), "flag": .bool(true), "x": .number(0)])
        #expect(e.matches(r) == expected, "\(text) → \(e)")
    }

    @Test("what it cannot evaluate is refused with the reason", arguments: [
        ("price * 2 < 10", "arithmetic"),
        ("meta[\"a\"] == 1", "JSON and array access"),
        ("array_contains(tags, 1)", "functions"),
        ("1 < x < 5", "chained comparisons"),
        ("(price < 3", "not closed"),
        ("price <", "ends too early"),
        ("id in 3", "list"),
    ])
    func refuses(_ text: String, _ reason: String) {
        guard case .failure(let e) = FilterExpression.parse(text) else { Issue.record("\(text) parsed"); return }
        #expect(e.description.contains(reason), "\(text): \(e)")
    }

    @Test("the fields read")
    func fields() throws {
        #expect(try FilterExpression.parse("a == 1 and (b in [2] or not c like 'x%')").get().fields == ["a", "b", "c"])
    }
}
