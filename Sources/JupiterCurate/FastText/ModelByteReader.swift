/// Reads the little-endian binary layout of a fastText model file with bounds checks: every
/// read past the end throws ``FastTextModelError`` `.truncated` naming the section being read.
struct ModelByteReader {
    let bytes: [UInt8]
    let path: String
    private(set) var offset = 0
    /// The section being read, for error messages.
    var section = "header"

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    private func need(_ n: Int) throws(FastTextModelError) {
        if n < 0 || n > bytes.count - offset {
            throw FastTextModelError(path: path, .truncated(section: section, offset: bytes.count))
        }
    }

    mutating func uint8() throws(FastTextModelError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() throws(FastTextModelError) -> Bool { try uint8() != 0 }

    mutating func uint32() throws(FastTextModelError) -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func int32() throws(FastTextModelError) -> Int32 { Int32(bitPattern: try uint32()) }

    mutating func uint64() throws(FastTextModelError) -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func int64() throws(FastTextModelError) -> Int64 { Int64(bitPattern: try uint64()) }

    mutating func double() throws(FastTextModelError) -> Double { Double(bitPattern: try uint64()) }

    /// A NUL-terminated byte string (without the NUL).
    mutating func cString() throws(FastTextModelError) -> ArraySlice<UInt8> {
        var end = offset
        while end < bytes.count && bytes[end] != 0 { end += 1 }
        if end >= bytes.count {
            throw FastTextModelError(path: path, .truncated(section: section, offset: bytes.count))
        }
        defer { offset = end + 1 }
        return bytes[offset..<end]
    }

    /// `count` raw bytes.
    mutating func rawBytes(_ count: Int) throws(FastTextModelError) -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// `count` little-endian 32-bit floats.
    mutating func floats(_ count: Int) throws(FastTextModelError) -> [Float] {
        guard count >= 0, count <= Int.max / 4 else {
            throw FastTextModelError(path: path, .invalid("\(section) has an impossible size \(count)"))
        }
        try need(count * 4)
        var out = [Float](repeating: 0, count: count)
        let start = offset
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let o = start + 4 * i
                    let bits =
                        UInt32(src[o]) | UInt32(src[o + 1]) << 8 | UInt32(src[o + 2]) << 16
                        | UInt32(src[o + 3]) << 24
                    dst[i] = Float(bitPattern: bits)
                }
            }
        }
        offset += count * 4
        return out
    }
}
