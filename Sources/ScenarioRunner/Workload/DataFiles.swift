import ScenarioSpec
import VectorFiles

extension DataFile {
    /// The file's rows (`queries: false`, HDF5 `train`) or query vectors (HDF5 `test`).
    func open(queries: Bool) throws -> VectorFile {
        try VectorFile.open(path, dataset: dataset(queries: queries))
    }
}

/// Data set files' shapes for the checks at load time (`ScenarioLoader.load(dataFiles:)`).
public struct VectorFileShapes: DataFileReading {
    public init() {}

    public func shape(_ path: String, dataset: String?) throws -> DataFileShape {
        let f = try VectorFile.open(path, dataset: dataset)
        return DataFileShape(rows: f.rows, dim: f.dim, integers: f.element.isInteger)
    }

    public func has(_ path: String, dataset: String) -> Bool { VectorFile.hdf5Has(path, dataset: dataset) }
}
