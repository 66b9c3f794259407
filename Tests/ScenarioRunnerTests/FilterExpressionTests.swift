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

    @Test("JSON paths, dynamic keys, arrays, contains, array_length, null, arithmetic and like escapes", arguments: [
        ("meta[\"a\"][\"b\"] == 3", true),
        ("meta[\"a\"][\"b\"] > 3", false),
        ("meta[\"missing\"] == 3", false),
        ("not (meta[\"missing\"] == 3)", true),
        ("meta[\"tags\"][1] == \"y\"", true),
        ("json_contains(meta[\"tags\"], \"x\")", true),
        ("json_contains_all(meta[\"tags\"], [\"x\", \"z\"])", false),
        ("json_contains_any(meta[\"tags\"], [\"q\", \"y\"])", true),
        ("array_contains(nums, 2)", true),
        ("array_contains_all(nums, [1, 3])", true),
        ("array_contains_any(nums, [7, 8])", false),
        ("array_length(nums) == 3", true),
        ("array_length(nums) > 3", false),
        ("color == \"red\"", true),
        ("opt is null", true),
        ("opt is not null", false),
        ("price is not null", true),
        ("opt > 1", false),
        ("price * 2 < 20", true),
        ("price * 2 + 1 > 20", false),
        ("(price + 0.5) * 2 == 20", true),
        ("id % 2 == 0", true),
        ("price - 10 < -0.4", true),
        ("100 / id == 50", true),
        ("(price > 5) and id == 2", true),
        ("name like \"a\\_b%\"", true),
        ("name like \"a_b%\"", true),
        ("name like \"aXb%\"", false),
        ("name like \"a\\%%\"", false),
        ("name like \"%c\"", true),
        ("name like \"_\"", false),
    ])
    func evaluatesMore(_ text: String, _ expected: Bool) throws {
        let e = try FilterExpression.parse(text).get()
        let r = Self.row(["price": .number(9.5), "id": .number(2), "name": .text("a_bc"), "opt": .null, "color": .text("red"),
                          "nums": .array([.number(1), .number(2), .number(3)]),
                          "meta": .object(["a": .object(["b": .number(3)]), "tags": .array([.text("x"), .text("y")])])])
        #expect(e.matches(r) == expected, "\(text) → \(e)")
    }

    @Test("what it cannot evaluate is refused with the reason", arguments: [
        ("price ** 2 < 10", "power"),
        ("sqrt(price) > 1", "function"),
        ("json_contains_all(tags, 1)", "list"),
        ("1 < x < 5", "chained comparisons"),
        ("(price < 3", "closing"),
        ("price <", "ends too early"),
        ("id in 3", "list"),
        ("1 == 1", "field"),
        ("x is 3", "null"),
    ])
    func refuses(_ text: String, _ reason: String) {
        guard case .failure(let e) = FilterExpression.parse(text) else { Issue.record("\(text) parsed"); return }
        #expect(e.description.contains(reason), "\(text): \(e)")
    }

    @Test("the fields read")
    func fields() throws {
        #expect(try FilterExpression.parse("a == 1 and (b in [2] or not c like 'x%')").get().fields == ["a", "b", "c"])
        #expect(try FilterExpression.parse("m[\"k\"] * d > 1 or array_contains(t, 1) or array_length(u) == 2 or v is null").get().fields == ["m", "d", "t", "u", "v"])
    }
}
