/// Search quality of a step: recall@k on a sample of its query vectors, scored against exact
/// nearest neighbours the tool computed by brute force.
public struct RecallDetails: Codable, Sendable, Equatable {
    /// Query vectors scored, and the k of recall@k (the step's topK).
    public var queries: Int
    public var k: Int
    /// L2, IP or COSINE.
    public var metric: String
    /// Where the ground truth came from: "regenerated" (computed over the rows made again from
    /// the insert steps' seeds), "data file" (computed over the rows read again from the data set
    /// file) or "file neighbors" (the data set's own neighbours, kernel "file").
    public var source: String
    /// Rows the exact search went over.
    public var rows: Int
    /// Time the exact search took, and whether an earlier step's was reused (same rows and queries).
    public var groundTruthMs: Double
    public var reused: Bool
    /// The kernel of the exact search: "blas" (OpenBLAS sgemm) or "simd".
    public var kernel: String
    /// Each scored query's recall (0–1), in query order.
    public var perQuery: [Double]

    public init(queries: Int, k: Int, metric: String, source: String, rows: Int, groundTruthMs: Double, reused: Bool, kernel: String, perQuery: [Double]) {
        self.queries = queries
        self.k = k
        self.metric = metric
        self.source = source
        self.rows = rows
        self.groundTruthMs = groundTruthMs
        self.reused = reused
        self.kernel = kernel
        self.perQuery = perQuery
    }

    public var mean: Double { perQuery.isEmpty ? 0 : perQuery.reduce(0, +) / Double(perQuery.count) }
}
