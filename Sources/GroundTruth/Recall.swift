/// Recall@k the way ann-benchmarks counts it, by distance: of a query's k true nearest rows,
/// how many the search found. A returned hit counts when its exact distance to the query is no
/// larger than the k-th true nearest's (plus a tolerance for float rounding), so rows at equal
/// distance are interchangeable and no row ids are needed.
public enum Recall {
    /// Relative tolerance on the k-th distance: the ground truth comes from float32 inner
    /// products, the hits' distances are recomputed in Double.
    public static let tolerance = 1e-4

    /// - Parameters:
    ///   - found: the exact distances (`DistanceMetric.distance`) of the hits returned.
    ///   - truth: the true nearest distances, nearest first; fewer than k when fewer rows qualify.
    /// - Returns: 0…1; 1 when no row qualifies and nothing was returned.
    public static func of(found: [Double], truth: [Float], k: Int) -> Double {
        let wanted = min(k, truth.count)
        guard wanted > 0 else { return found.isEmpty ? 1 : 0 }
        let kth = Double(truth[wanted - 1])
        let limit = kth + tolerance * max(abs(kth), 1e-3)
        let hits = found.prefix(k).filter { $0 <= limit }.count
        return Double(min(hits, wanted)) / Double(wanted)
    }

    /// Mean, minimum and 5th percentile (nearest rank) of per-query recalls.
    public static func summary(_ values: [Double]) -> (mean: Double, min: Double, p5: Double)? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(0, Int((0.05 * Double(sorted.count)).rounded(.up)) - 1)
        return (values.reduce(0, +) / Double(values.count), sorted[0], sorted[rank])
    }
}
