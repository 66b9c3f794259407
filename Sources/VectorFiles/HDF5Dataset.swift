import CHDF5
import Foundation

/// One 2-D dataset of an HDF5 file, open for reading row ranges (hyperslabs). Debian's HDF5 is
/// the serial build, not thread-safe: every call into it holds one process-wide lock.
final class HDF5Dataset: @unchecked Sendable {
    static let library = NSLock()

    let rows: Int
    let dim: Int
    let element: VectorFile.Element
    private let file: hid_t
    private let dataset: hid_t
    private let name: String

    init(path: String, name datasetName: String) throws {
        Self.library.lock()
        defer { Self.library.unlock() }
        chdf5_quiet()
        name = "\(path):\(datasetName)"
        guard H5Fis_hdf5(path) > 0 else { throw VectorFileError("\(path): not an HDF5 file") }
        file = H5Fopen(path, chdf5_acc_rdonly(), chdf5_default())
        guard file >= 0 else { throw VectorFileError("\(path): HDF5 cannot open it") }
        guard H5Lexists(file, datasetName, chdf5_default()) > 0 else {
            let names = Self.names(file)
            H5Fclose(file)
            throw VectorFileError("\(path): has no dataset '\(datasetName)'; it has \(names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", "))")
        }
        dataset = H5Dopen2(file, datasetName, chdf5_default())
        guard dataset >= 0 else {
            H5Fclose(file)
            throw VectorFileError("\(name): HDF5 cannot open the dataset")
        }
        var shape: (rows: Int, dim: Int, element: VectorFile.Element)?
        var problem = "HDF5 cannot read its shape"
        let space = H5Dget_space(dataset), type = H5Dget_type(dataset)
        if space >= 0, type >= 0 {
            var dims: [hsize_t] = [0, 0, 0]
            let rank = H5Sget_simple_extent_ndims(space)
            let size = H5Tget_size(type)
            let element: VectorFile.Element?
            switch H5Tget_class(type) {
            case H5T_FLOAT: element = size == 4 ? .float32 : size == 8 ? .float64 : nil
            case H5T_INTEGER:
                let signed = H5Tget_sign(type) == H5T_SGN_2
                element = size == 1 && !signed ? .uint8 : size == 4 ? .int32 : size == 8 ? .int64 : nil
            default: element = nil
            }
            if rank != 2 {
                problem = "is \(rank)-D; a data set is 2-D: (rows, dimension)"
            } else if let element {
                H5Sget_simple_extent_dims(space, &dims, nil)
                shape = (Int(dims[0]), Int(dims[1]), element)
            } else {
                problem = "holds values of a type this tool does not read (it reads float32, float64, uint8, int32, int64)"
            }
        }
        if space >= 0 { H5Sclose(space) }
        if type >= 0 { H5Tclose(type) }
        guard let shape, shape.dim > 0 else {
            H5Dclose(dataset)
            H5Fclose(file)
            throw VectorFileError("\(name): \(problem)")
        }
        (rows, dim, element) = shape
    }

    deinit {
        Self.library.lock()
        H5Dclose(dataset)
        H5Fclose(file)
        Self.library.unlock()
    }

    func floats(_ range: Range<Int>) throws -> [Float] {
        var out = [Float](repeating: 0, count: range.count * dim)
        try out.withUnsafeMutableBytes { try read(range, memoryType: chdf5_native_float(), into: $0.baseAddress!) }
        return out
    }

    func integers(_ range: Range<Int>) throws -> [Int] {
        var out = [Int64](repeating: 0, count: range.count * dim)
        try out.withUnsafeMutableBytes { try read(range, memoryType: chdf5_native_llong(), into: $0.baseAddress!) }
        return out.map { Int($0) }
    }

    private func read(_ range: Range<Int>, memoryType: hid_t, into buffer: UnsafeMutableRawPointer) throws {
        guard !range.isEmpty else { return }
        Self.library.lock()
        defer { Self.library.unlock() }
        let fileSpace = H5Dget_space(dataset)
        defer { H5Sclose(fileSpace) }
        var start: [hsize_t] = [hsize_t(range.lowerBound), 0]
        var count: [hsize_t] = [hsize_t(range.count), hsize_t(dim)]
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil) >= 0 else {
            throw VectorFileError("\(name): HDF5 cannot select rows \(range)")
        }
        let memorySpace = H5Screate_simple(2, &count, nil)
        defer { H5Sclose(memorySpace) }
        guard H5Dread(dataset, memoryType, memorySpace, fileSpace, chdf5_default(), buffer) >= 0 else {
            throw VectorFileError("\(name): HDF5 failed to read rows \(range.lowerBound)..<\(range.upperBound)")
        }
    }

    /// The names of the objects at the file's root.
    private static func names(_ file: hid_t) -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(file, &info) >= 0 else { return [] }
        return (0..<info.nlinks).compactMap { i -> String? in
            let n = H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, chdf5_default())
            guard n > 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(n) + 1)
            H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(n) + 1, chdf5_default())
            return String(cString: buffer)
        }
    }

    /// Whether the file has a dataset of this name (for defaults such as `neighbors`).
    static func exists(path: String, name: String) -> Bool {
        library.lock()
        defer { library.unlock() }
        chdf5_quiet()
        guard H5Fis_hdf5(path) > 0 else { return false }
        let file = H5Fopen(path, chdf5_acc_rdonly(), chdf5_default())
        guard file >= 0 else { return false }
        defer { H5Fclose(file) }
        return H5Lexists(file, name, chdf5_default()) > 0
    }
}

extension VectorFile {
    /// Whether `path` is an HDF5 file with a dataset `name`.
    public static func hdf5Has(_ path: String, dataset name: String) -> Bool { HDF5Dataset.exists(path: path, name: name) }
}
