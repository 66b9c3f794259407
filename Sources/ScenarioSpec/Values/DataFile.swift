import Foundation

/// A data set file named by a generator's `file`: its rows are the vectors, in order. The
/// scenario language only names it; reading is the runner's (module VectorFiles), and the
/// checks at load time ask a `DataFileReading` the loader is given.
public struct DataFile: Sendable, Hashable {
    /// The path to open: as written when absolute, otherwise relative to the scenario's folder.
    public var path: String
    /// The path as the scenario wrote it (for messages and reports).
    public var written: String
    /// HDF5: the dataset; nil means `train` for rows and `test` for query vectors.
    public var dataset: String?
    /// The query vectors' exact neighbours (row numbers of the inserted file), when not automatic.
    public var neighbors: String?
    public var neighborsWritten: String?

    /// A file named outside a scenario (the benchmark): the path is used as given.
    public init(path: String, dataset: String? = nil) {
        self.init(path: path, written: path, dataset: dataset, neighbors: nil, neighborsWritten: nil)
    }

    init(path: String, written: String, dataset: String?, neighbors: String?, neighborsWritten: String?) {
        self.path = path
        self.written = written
        self.dataset = dataset
        self.neighbors = neighbors
        self.neighborsWritten = neighborsWritten
    }

    public static func isHDF5(_ path: String) -> Bool {
        ["hdf5", "h5"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    public var isHDF5: Bool { Self.isHDF5(path) }

    /// The dataset to read: as written, or ann-benchmarks' `train` (rows) / `test` (queries).
    public func dataset(queries: Bool) -> String? {
        guard isHDF5 else { return nil }
        return dataset ?? (queries ? "test" : "train")
    }

    /// Where the exact neighbours of these query vectors are: `neighbors` as written; else the
    /// HDF5 file's own `neighbors` dataset; else, for TEXMEX `<name>_query.fvecs`, a
    /// `<name>_groundtruth.ivecs` beside it. Nil when there are none.
    public func neighborsFile(_ files: any DataFileReading) -> (path: String, dataset: String?)? {
        if let neighbors {
            return (neighbors, Self.isHDF5(neighbors) ? "neighbors" : nil)
        }
        if isHDF5 {
            return files.has(path, dataset: "neighbors") ? (path, "neighbors") : nil
        }
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        guard stem.hasSuffix("_query") else { return nil }
        let truth = url.deletingLastPathComponent().appendingPathComponent(String(stem.dropLast("_query".count)) + "_groundtruth.ivecs").path
        return FileManager.default.fileExists(atPath: truth) ? (truth, nil) : nil
    }

    /// Resolves a written path against `directory` (the scenario's folder).
    static func resolve(_ written: String, in directory: String?) -> String {
        if written.hasPrefix("/") { return written }
        if written.hasPrefix("~/") { return NSString(string: written).expandingTildeInPath }
        guard let directory else { return written }
        return URL(fileURLWithPath: directory).appendingPathComponent(written).standardizedFileURL.path
    }
}

/// What validation needs to know of a data set file without reading its values.
public struct DataFileShape: Sendable {
    public var rows: Int
    public var dim: Int
    /// Whether the values are integers (neighbour row numbers) rather than floats.
    public var integers: Bool
    public init(rows: Int, dim: Int, integers: Bool) {
        self.rows = rows
        self.dim = dim
        self.integers = integers
    }
}

/// Opens data set files for the checks at load time; errors describe the problem in words.
public protocol DataFileReading: Sendable {
    func shape(_ path: String, dataset: String?) throws -> DataFileShape
    func has(_ path: String, dataset: String) -> Bool
}
