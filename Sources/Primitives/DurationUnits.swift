extension Duration {
    /// Whole microseconds (rounded toward zero).
    public var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }

    /// Milliseconds with their fraction: what records, thresholds and reports count in.
    public var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }

    /// Whole nanoseconds, `Int64.max` for a duration too long to count in them (an event loop's
    /// timer takes nanoseconds).
    public var nanoseconds: Int64 {
        let c = components
        let (product, overflow) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return c.seconds < 0 ? .min : .max }
        let (sum, overflowed) = product.addingReportingOverflow(c.attoseconds / 1_000_000_000)
        return overflowed ? (c.seconds < 0 ? .min : .max) : sum
    }
}
