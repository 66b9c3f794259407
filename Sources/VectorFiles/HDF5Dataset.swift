import Foundation
import HDF5Runtime

/// One 2-D dataset of an HDF5 file, open for reading row ranges (hyperslabs). libhdf5 is loaded
/// when the first HDF5 file is opened (HDF5Runtime), so nothing else needs it. Debian's HDF5 is
/// the serial build, not thread-safe: every call into it holds one process-wide lock.
final class HDF5Dataset: @unchecked Sendable {
    static let library = NSLock()

    let rows: Int
    let dim: Int
    let element: VectorFile.Element
    private let file: h5rt_id
    private let dataset: h5rt_id
    private let name: String

    /// Loads libhdf5 (once); the reason when it cannot be.
    static func load() -> String? {
        var error = [CChar](repeating: 0, count: 512)
        return h5rt_load(&error, error.count) == 0 ? nil : error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    init(path: String, name datasetName: String) throws {
        if let problem = Self.load() { throw VectorFileError("\(path): cannot read HDF5 files: \(problem)") }
        Self.library.lock()
        defer { Self.library.unlock() }
        name = "\(path):\(datasetName)"
        guard h5rt_is_hdf5(path) > 0 else { throw VectorFileError("\(path): not an HDF5 file") }
        file = h5rt_open_file(path)
        guard file >= 0 else { throw VectorFileError("\(path): HDF5 cannot open it") }
        guard h5rt_exists(file, datasetName) > 0 else {
            let names = Self.names(file)
            h5rt_close_file(file)
            throw VectorFileError("\(path): has no dataset '\(datasetName)'; it has \(names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", "))")
        }
        dataset = h5rt_open_dataset(file, datasetName)
        guard dataset >= 0 else {
            h5rt_close_file(file)
            throw VectorFileError("\(name): HDF5 cannot open the dataset")
        }
        var shape: (rows: Int, dim: Int, element: VectorFile.Element)?
        var problem = "HDF5 cannot read its shape"
        var rank: Int32 = 0, rows: UInt64 = 0, columns: UInt64 = 0, kind = H5RT_OTHER
        if h5rt_shape(dataset, &rank, &rows, &columns, &kind) == 0 {
            let element: VectorFile.Element? = switch kind {
            case H5RT_FLOAT32: .float32
            case H5RT_FLOAT64: .float64
            case H5RT_UINT8: .uint8
            case H5RT_INT32: .int32
            case H5RT_INT64: .int64
            default: nil
            }
            if rank != 2 {
                problem = "is \(rank)-D; a data set is 2-D: (rows, dimension)"
            } else if let element {
                shape = (Int(rows), Int(columns), element)
            } else {
                problem = "holds values of a type this tool does not read (it reads float32, float64, uint8, int32, int64)"
            }
        }
        guard let shape, shape.dim > 0 else {
            h5rt_close_dataset(dataset)
            h5rt_close_file(file)
            throw VectorFileError("\(name): \(problem)")
        }
        (self.rows, dim, element) = shape
    }

    deinit {
        Self.library.lock()
        h5rt_close_dataset(dataset)
        h5rt_close_file(file)
        Self.library.unlock()
    }

    func floats(_ range: Range<Int>) throws -> [Float] {
        var out = [Float](repeating: 0, count: range.count * dim)
        try out.withUnsafeMutableBytes { try read(range, asInt64: false, into: $0.baseAddress!) }
        return out
    }

    func integers(_ range: Range<Int>) throws -> [Int] {
        var out = [Int64](repeating: 0, count: range.count * dim)
        try out.withUnsafeMutableBytes { try read(range, asInt64: true, into: $0.baseAddress!) }
        return out.map { Int($0) }
    }

    private func read(_ range: Range<Int>, asInt64: Bool, into buffer: UnsafeMutableRawPointer) throws {
        guard !range.isEmpty else { return }
        Self.library.lock()
        defer { Self.library.unlock() }
        guard h5rt_read_rows(dataset, UInt64(range.lowerBound), UInt64(range.count), UInt64(dim), asInt64 ? 1 : 0, buffer) == 0 else {
            throw VectorFileError("\(name): HDF5 failed to read rows \(range.lowerBound)..<\(range.upperBound)")
        }
    }

    /// The names of the objects at the file's root.
    private static func names(_ file: h5rt_id) -> [String] {
        let count = h5rt_link_count(file)
        guard count > 0 else { return [] }
        return (0..<UInt64(count)).compactMap { i -> String? in
            let n = h5rt_link_name(file, i, nil, 0)
            guard n > 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(n) + 1)
            guard h5rt_link_name(file, i, &buffer, buffer.count) > 0 else { return nil }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    /// Whether the file has a dataset of this name (for defaults such as `neighbors`).
    static func exists(path: String, name: String) -> Bool {
        guard load() == nil else { return false }
        library.lock()
        defer { library.unlock() }
        guard h5rt_is_hdf5(path) > 0 else { return false }
        let file = h5rt_open_file(path)
        guard file >= 0 else { return false }
        defer { h5rt_close_file(file) }
        return h5rt_exists(file, name) > 0
    }
}

extension VectorFile {
    /// Whether `path` is an HDF5 file with a dataset `name`.
    public static func hdf5Has(_ path: String, dataset name: String) -> Bool { HDF5Dataset.exists(path: path, name: name) }
}
