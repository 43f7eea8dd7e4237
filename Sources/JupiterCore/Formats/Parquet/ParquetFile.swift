#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open Parquet file: its footer, parsed, and positioned reads of its pages. The footer is
/// read once; pages are read on demand, so memory stays at a few pages whatever the file size.
final class ParquetFile {
    /// The file.
    let path: String
    /// Its size in bytes.
    let size: Int
    /// The footer.
    let metadata: FileMetaData
    /// The schema from the footer.
    let schema: ParquetSchema
    /// Bytes read from disk so far (for progress).
    private(set) var bytesRead = 0
    private let fd: Int32

    /// The four bytes every Parquet file starts and ends with.
    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Opens `path` and reads its footer.
    init(path: String) throws(ParquetError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ParquetError(.io, String(cString: strerror(errno)), file: path) }
        let footer: (size: Int, metadata: FileMetaData, schema: ParquetSchema, bytes: Int)
        do throws(ParquetError) { footer = try Self.readFooter(fd) } catch {
            close(fd)
            throw error.at(file: path)
        }
        self.fd = fd
        (size, metadata, schema, bytesRead) = footer
    }

    private static func readFooter(_ fd: Int32) throws(ParquetError)
        -> (size: Int, metadata: FileMetaData, schema: ParquetSchema, bytes: Int)
    {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ParquetError(.io, String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        guard size >= 12 else {
            throw ParquetError(.notParquet, "\(size) bytes: too short to be a Parquet file (truncated?)")
        }
        let tail = try readExactly(fd, at: size - 8, count: 8)
        if Array(tail[4..<8]) == Array("PARE".utf8) {
            throw ParquetError(.unsupported, "encrypted Parquet files are not supported")
        }
        guard Array(tail[4..<8]) == Self.magic else {
            throw ParquetError(.notParquet, "does not end with the Parquet magic 'PAR1': truncated, or not a Parquet file")
        }
        let length = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        guard length > 0, length <= size - 12 else {
            throw ParquetError(.corrupt, "footer length \(length) does not fit in a file of \(size) bytes")
        }
        let metadata = try FileMetaData.read(ThriftReader(try readExactly(fd, at: size - 8 - length, count: length)))
        let schema = try ParquetSchema(metadata.schema)
        let dataEnd = Int64(size - 8 - length)
        for (g, group) in metadata.rowGroups.enumerated() where group.numRows != 0 {
            guard group.columns.count == schema.leaves.count else {
                throw ParquetError(
                    .corrupt,
                    "has \(group.columns.count) column chunks for \(schema.leaves.count) "
                        + "leaf columns", rowGroup: g)
            }
            for (i, c) in group.columns.enumerated() {
                guard c.start >= 4, c.totalCompressedSize >= 0, c.start + c.totalCompressedSize <= dataEnd else {
                    throw ParquetError(
                        .truncated,
                        "column chunk at bytes \(c.start)+\(c.totalCompressedSize) lies "
                            + "outside the data part of the file (\(size) bytes)", rowGroup: g,
                        column: schema.leaves[i].path)
                }
            }
        }
        return (size, metadata, schema, 8 + length)
    }

    deinit { close(fd) }

    /// True when `path` starts with the Parquet magic bytes (the container is recognised from
    /// the bytes, not the name).
    static func isParquet(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, 0) }
        return n == 4 && head == magic
    }

    /// `count` bytes at `offset`.
    func read(at offset: Int, count: Int) throws(ParquetError) -> [UInt8] {
        let bytes: [UInt8]
        do throws(ParquetError) { bytes = try Self.readExactly(fd, at: offset, count: count) } catch {
            throw error.at(file: path)
        }
        bytesRead += count
        return bytes
    }

    private static func readExactly(_ fd: Int32, at offset: Int, count: Int) throws(ParquetError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { buf in
                guard let base = buf.baseAddress else { return -1 }
                return pread(fd, base + done, count - done, off_t(offset + done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, String(cString: strerror(errno)))
            }
            if n == 0 { throw ParquetError(.truncated, "file ends at byte \(offset + done), expected \(offset + count)") }
            done += n
        }
        return out
    }
}
