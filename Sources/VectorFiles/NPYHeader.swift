import Foundation

/// The header of a NumPy `.npy` file (format versions 1–3): magic, version, header length, then
/// a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }`.
struct NPYHeader {
    var element: VectorFile.Element
    var rows: Int
    var dim: Int
    var dataOffset: Int

    init(fd: Int32, path: String, fileSize: Int) throws {
        var prefix = [UInt8](repeating: 0, count: 12)
        guard fileSize >= 10, pread(fd, &prefix, 12, 0) >= 10, prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8) else {
            throw VectorFileError("\(path): not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = prefix[6]
        let headerLength: Int, start: Int
        switch major {
        case 1: headerLength = Int(prefix[8]) | Int(prefix[9]) << 8; start = 10
        case 2, 3: headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24; start = 12
        default: throw VectorFileError("\(path): .npy format version \(major) is not one this tool reads (1–3)")
        }
        guard headerLength < 1_000_000, start + headerLength <= fileSize else { throw VectorFileError("\(path): damaged .npy header") }
        var bytes = [UInt8](repeating: 0, count: headerLength)
        guard pread(fd, &bytes, headerLength, off_t(start)) == headerLength else { throw VectorFileError("\(path): cannot read the .npy header") }
        let text = String(decoding: bytes, as: UTF8.self)
        func value(_ key: String) -> String? {
            guard let r = text.range(of: "'\(key)':") else { return nil }
            return String(text[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = value("descr"), let quote = descr.first, quote == "'" || quote == "\"",
              let end = descr.dropFirst().firstIndex(of: quote) else {
            throw VectorFileError("\(path): the .npy header has no 'descr'")
        }
        let type = String(descr[descr.index(after: descr.startIndex)..<end])
        switch type {
        case "<f4", "=f4": element = .float32
        case "<f8", "=f8": element = .float64
        case "|u1", "<u1", "=u1": element = .uint8
        case "<i4", "=i4": element = .int32
        case "<i8", "=i8": element = .int64
        default:
            throw VectorFileError("\(path): holds '\(type)' values; this tool reads little-endian float32, float64, uint8, int32 and int64 (numpy: a.astype('float32'))")
        }
        if let order = value("fortran_order"), order.hasPrefix("True") {
            throw VectorFileError("\(path): is in Fortran (column) order; save it in C order (numpy: np.save(f, np.ascontiguousarray(a)))")
        }
        guard let shape = value("shape"), shape.first == "(", let close = shape.firstIndex(of: ")") else {
            throw VectorFileError("\(path): the .npy header has no 'shape'")
        }
        let dims = shape[shape.index(after: shape.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 2, let n = Int(dims[0]), let d = Int(dims[1]), d > 0 else {
            throw VectorFileError("\(path): has shape (\(dims.joined(separator: ", "))); a data set is 2-D: (rows, dimension)")
        }
        rows = n
        dim = d
        dataOffset = start + headerLength
        guard dataOffset + n * d * element.size <= fileSize else {
            throw VectorFileError("\(path): the header promises \(n) × \(d) \(element.rawValue) values, but the file is shorter — truncated")
        }
    }
}
