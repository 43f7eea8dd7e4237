import Foundation

/// A TCP port nobody listens on now: bound to port 0, read back, released (another process may
/// take it before the caller binds it; callers that start a server check that it came up).
package enum FreePort {
    /// A free port on 127.0.0.1 (`loopback`) or on every interface.
    package static func find(loopback: Bool) throws(IOError) -> Int {
        let host = loopback ? "127.0.0.1" : "0.0.0.0"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw IOError(path: host, "cannot open a socket to find a free port") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = loopback ? inet_addr("127.0.0.1") : INADDR_ANY
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw IOError(path: host, "cannot bind a port to find a free one") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw IOError(path: host, "cannot read the bound port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
