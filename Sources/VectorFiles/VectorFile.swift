import Foundation

/// A matrix of vectors in a file — one vector per row — read in row ranges, never whole, so a
/// 1,000,000 × 960 data set costs one block of memory. Formats, by file extension:
///
/// - TEXMEX `.fvecs` (float32), `.bvecs` (uint8), `.ivecs` (int32; ground truth): each row is
///   its dimension as a little-endian int32, then the values (SIFT, GIST).
/// - NumPy `.npy`, version 1–3, 2-D, C order, `float32`, `float64`, `uint8`, `int32` or `int64`.
/// - HDF5 `.hdf5`/`.h5`: a 2-D dataset of the file, by name (ann-benchmarks: `train`, `test`,
///   `neighbors`, `distances`).
///
/// Reads may come from several threads; each file serialises its own.
public final class VectorFile: @unchecked Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case fvecs, bvecs, ivecs, npy, hdf5

        /// The format a path's extension names, if any.
        public init?(path: String) {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "fvecs": self = .fvecs
            case "bvecs": self = .bvecs
            case "ivecs": self = .ivecs
            case "npy": self = .npy
            case "hdf5", "h5": self = .hdf5
            default: return nil
            }
        }

        public static let extensions = [".fvecs", ".bvecs", ".ivecs", ".npy", ".hdf5", ".h5"]
    }

    /// How the values are stored.
    public enum Element: String, Sendable {
        case float32, float64, uint8, int32, int64

        public var isInteger: Bool { self == .uint8 || self == .int32 || self == .int64 }
    }

    public let path: String
    /// The HDF5 dataset; nil for the other formats.
    public let dataset: String?
    public let format: Format
    public let rows: Int
    public let dim: Int
    public let element: Element
    /// What messages call it: `path` or `path:dataset`.
    public var name: String { dataset.map { "\(path):\($0)" } ?? path }

    private let storage: Storage
    private let lock = NSLock()

    private enum Storage {
        /// Rows of `stride` bytes from `offset`; TEXMEX rows start with a 4-byte dimension.
        case flat(fd: Int32, offset: Int, stride: Int, rowHeader: Int)
        case hdf5(HDF5Dataset)
    }

    /// Opens `path` (and, for HDF5, its `dataset`) and reads its shape; the values are read later.
    public static func open(_ path: String, dataset: String? = nil) throws -> VectorFile {
        guard let format = Format(path: path) else {
            throw VectorFileError("\(path): not a data set file this tool reads (\(Format.extensions.joined(separator: ", ")))")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw VectorFileError("\(path): no such file")
        }
        if format == .hdf5 {
            guard let dataset else { throw VectorFileError("\(path): an HDF5 file needs a dataset name") }
            let d = try HDF5Dataset(path: path, name: dataset)
            return VectorFile(path: path, dataset: dataset, format: format, rows: d.rows, dim: d.dim, element: d.element, storage: .hdf5(d))
        }
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw VectorFileError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        do {
            let size = Int(lseek(fd, 0, SEEK_END))
            if format == .npy {
                let header = try NPYHeader(fd: fd, path: path, fileSize: size)
                return VectorFile(path: path, dataset: nil, format: format, rows: header.rows, dim: header.dim, element: header.element,
                                  storage: .flat(fd: fd, offset: header.dataOffset, stride: header.dim * header.element.size, rowHeader: 0))
            }
            let element: Element = format == .fvecs ? .float32 : format == .bvecs ? .uint8 : .int32
            guard size >= 4 else { throw VectorFileError("\(path): empty (a \(format.rawValue) file starts with the dimension of its first vector)") }
            var d: Int32 = 0
            guard pread(fd, &d, 4, 0) == 4 else { throw VectorFileError("\(path): cannot read the first vector's dimension") }
            let dim = Int(Int32(littleEndian: d))
            guard dim > 0, dim <= 1_000_000 else {
                throw VectorFileError("\(path): the first vector's dimension reads \(dim) — not a \(format.rawValue) file (each vector starts with its dimension as a little-endian int32)")
            }
            let stride = 4 + dim * element.size
            guard size % stride == 0 else {
                throw VectorFileError("\(path): \(size) bytes is not a whole number of \(dim)-d vectors of \(stride) bytes — truncated, or not \(format.rawValue)")
            }
            return VectorFile(path: path, dataset: nil, format: format, rows: size / stride, dim: dim, element: element,
                              storage: .flat(fd: fd, offset: 0, stride: stride, rowHeader: 4))
        } catch {
            close(fd)
            throw error
        }
    }

    private init(path: String, dataset: String?, format: Format, rows: Int, dim: Int, element: Element, storage: Storage) {
        self.path = path
        self.dataset = dataset
        self.format = format
        self.rows = rows
        self.dim = dim
        self.element = element
        self.storage = storage
    }

    deinit {
        if case .flat(let fd, _, _, _) = storage { close(fd) }
    }

    /// Rows `range` as floats, row after row (`range.count × dim` values).
    public func floats(_ range: Range<Int>) throws -> [Float] {
        try check(range)
        lock.lock()
        defer { lock.unlock() }
        switch storage {
        case .hdf5(let d): return try d.floats(range)
        case .flat(let fd, let offset, let stride, let rowHeader):
            if rowHeader == 0, element == .float32, UInt32(1).littleEndian == 1 {
                // .npy float32: the rows are one run of the values as stored; read them in place.
                return try [Float](unsafeUninitializedCapacity: range.count * dim) { buffer, count in
                    try readAll(fd, into: UnsafeMutableRawBufferPointer(buffer), at: offset + range.lowerBound * stride, row: range.lowerBound)
                    count = range.count * dim
                }
            }
            if rowHeader == 4, element == .float32, UInt32(1).littleEndian == 1 {
                // .fvecs: read the rows with their dimension words, check those, close the gaps.
                var out = [Float](repeating: 0, count: range.count * (dim + 1))
                try out.withUnsafeMutableBytes { raw in
                    try readAll(fd, into: raw, at: offset + range.lowerBound * stride, row: range.lowerBound)
                    let base = raw.baseAddress!
                    for row in 0..<range.count {
                        let d = Int(Int32(littleEndian: raw.load(fromByteOffset: row * stride, as: Int32.self)))
                        guard d == dim else {
                            throw VectorFileError("\(name): vector \(range.lowerBound + row) has dimension \(d), the first one \(dim) — every vector of a \(format.rawValue) file must have the same")
                        }
                        (base + row * dim * 4).copyMemory(from: base + row * stride + 4, byteCount: dim * 4)
                    }
                }
                out.removeLast(range.count)
                return out
            }
            var out = [Float](repeating: 0, count: range.count * dim)
            try read(range) { bytes, row in
                out.withUnsafeMutableBufferPointer { o in
                    let base = row * dim
                    switch element {
                    case .float32: for i in 0..<dim { o[base + i] = Float(bitPattern: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian) }
                    case .float64: for i in 0..<dim { o[base + i] = Float(Double(bitPattern: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian)) }
                    case .uint8: for i in 0..<dim { o[base + i] = Float(bytes[i]) }
                    case .int32: for i in 0..<dim { o[base + i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
                    case .int64: for i in 0..<dim { o[base + i] = Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
                    }
                }
            }
            return out
        }
    }

    /// Rows `range` as integers (neighbour indexes), row after row.
    public func integers(_ range: Range<Int>) throws -> [Int] {
        try check(range)
        guard element.isInteger else { throw VectorFileError("\(name): holds \(element.rawValue) values, not integers (row numbers of neighbours)") }
        lock.lock()
        defer { lock.unlock() }
        switch storage {
        case .hdf5(let d): return try d.integers(range)
        case .flat:
            var out = [Int](repeating: 0, count: range.count * dim)
            try read(range) { bytes, row in
                let base = row * dim
                switch element {
                case .uint8: for i in 0..<dim { out[base + i] = Int(bytes[i]) }
                case .int32: for i in 0..<dim { out[base + i] = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
                default: for i in 0..<dim { out[base + i] = Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
                }
            }
            return out
        }
    }

    private func check(_ range: Range<Int>) throws {
        guard range.lowerBound >= 0, range.upperBound <= rows else {
            throw VectorFileError("\(name): rows \(range.lowerBound)..<\(range.upperBound) asked for, but it holds \(rows)")
        }
    }

    /// Reads the rows of `range` in one call and hands each row's values (without a TEXMEX
    /// dimension prefix) to `body`.
    private func read(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        guard case .flat(let fd, let offset, let stride, let rowHeader) = storage, !range.isEmpty else { return }
        var buffer = [UInt8](repeating: 0, count: range.count * stride)
        try buffer.withUnsafeMutableBytes { raw in
            try readAll(fd, into: raw, at: offset + range.lowerBound * stride, row: range.lowerBound)
            for row in 0..<range.count {
                let start = row * stride
                if rowHeader > 0 {
                    let d = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: Int32.self)))
                    guard d == dim else {
                        throw VectorFileError("\(name): vector \(range.lowerBound + row) has dimension \(d), the first one \(dim) — every vector of a \(format.rawValue) file must have the same")
                    }
                }
                try body(UnsafeRawBufferPointer(rebasing: raw[(start + rowHeader)..<(start + stride)]), row)
            }
        }
    }
}

extension VectorFile {
    /// Fills `buffer` from the file at `position`.
    fileprivate func readAll(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at position: Int, row: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(position + done))
            guard n > 0 else { throw VectorFileError("\(name): read failed at row \(row) (\(n == 0 ? "end of file" : String(cString: strerror(errno))))") }
            done += n
        }
    }
}

extension VectorFile.Element {
    var size: Int {
        switch self {
        case .uint8: 1
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }
}

public struct VectorFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
