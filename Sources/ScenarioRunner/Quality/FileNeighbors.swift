import Foundation
import GroundTruth
import ScenarioSpec
import VectorFiles

/// Ground truth a data set ships with (ann-benchmarks' `neighbors`, TEXMEX `_groundtruth.ivecs`):
/// row numbers of each query vector's exact neighbours in the file the rows came from. It is
/// used as it is when the collection holds exactly that file's rows; each neighbour's distance
/// is computed from its row, so hits are scored the same way as against computed ground truth.
enum FileNeighbors {
    /// The file the collection's `field` was filled from, when one insert of a file filled it
    /// and nothing changed it since.
    static func rowsFile(of shadow: CollectionShadow, field: String) -> DataFile? {
        guard shadow.isOneInsert, case .file(let file) = shadow.sources[0].generators.first(where: { $0.field.name == field })?.generator else { return nil }
        return file
    }

    /// The exact k nearest distances of each query from the file's neighbours; nil when the
    /// query file has none, a failure (the reason) when they do not fit.
    static func truth(queries: [[Float]], source: DataFile, rows: DataFile, rowCount: Int, k: Int,
                      metric: DistanceMetric) -> Result<GroundTruthResult, VectorFileError>? {
        guard let location = source.neighborsFile(VectorFileShapes()) else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let neighbors = try VectorFile.open(location.path, dataset: location.dataset)
            let base = try rows.open(queries: false)
            guard base.rows == rowCount else {
                throw VectorFileError("they index all \(base.rows) rows of '\(rows.written)', and the collection holds the first \(rowCount)")
            }
            guard neighbors.dim >= k else {
                throw VectorFileError("the file has \(neighbors.dim) neighbours per query vector, and the step asks for topK \(k)")
            }
            guard neighbors.rows >= queries.count else {
                throw VectorFileError("the file has neighbours for \(neighbors.rows) query vectors, and \(queries.count) are scored")
            }
            let ids = try neighbors.integers(0..<queries.count)
            var vectors: [Int: [Float]] = [:]
            var distances: [[Float]] = []
            var misordered = 0
            for (q, query) in queries.enumerated() {
                var d: [Double] = []
                for j in 0..<k {
                    let id = ids[q * neighbors.dim + j]
                    guard id >= 0, id < base.rows else {
                        throw VectorFileError("query vector \(q)'s neighbour \(j) is row \(id), outside the file's \(base.rows) rows")
                    }
                    if vectors[id] == nil { vectors[id] = try base.floats(id..<(id + 1)) }
                    d.append(metric.distance(query, vectors[id]!))
                }
                // Neighbours found with another metric are out of order under this one.
                for j in 1..<max(k, 1) where d[j] < d[j - 1] - 1e-4 * abs(d[j - 1]) - 1e-6 { misordered += 1 }
                distances.append(d.sorted().map { Float($0) })
            }
            if misordered * 20 > queries.count * max(k - 1, 1) {
                throw VectorFileError("they are not in order of \(metric.rawValue) distance — found with another metric")
            }
            return .success(GroundTruthResult(distances: distances, rows: base.rows, milliseconds: (clock.now - start).milliseconds,
                                              kernel: "file", source: "file neighbors"))
        } catch {
            return .failure(error as? VectorFileError ?? VectorFileError(String(describing: error)))
        }
    }
}
