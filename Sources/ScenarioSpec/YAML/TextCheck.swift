/// Finds bytes that make a file unreadable as YAML text before libyaml sees them, so the
/// message names the real offending byte (libyaml reports the byte after a broken sequence).
enum TextCheck {
    struct Problem {
        var offset: Int
        var message: String
    }

    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        // UTF-16 files (with a byte-order mark) are left to libyaml, which reads them.
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) { return nil }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D || b == 0x7F {
                    return Problem(offset: i, message: "the file contains the control character \(hex(b)); is it a binary file? A scenario is UTF-8 text")
                }
                i += 1
                continue
            }
            let length: Int
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return Problem(offset: i, message: "the file is not valid UTF-8: byte \(hex(b)) cannot start a character; save the file as UTF-8")
            }
            guard i + length <= bytes.count, bytes[(i + 1)..<(i + length)].allSatisfy({ $0 & 0xC0 == 0x80 }) else {
                return Problem(offset: i, message: "the file is not valid UTF-8: byte \(hex(b)) starts a character that is cut short (Latin-1 or another encoding?); save the file as UTF-8")
            }
            i += length
        }
        return nil
    }

    static func hex(_ b: UInt8) -> String {
        let h = String(b, radix: 16, uppercase: true)
        return "0x" + (h.count == 1 ? "0" + h : h)
    }
}
