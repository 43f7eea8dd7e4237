import Foundation

/// Reads a `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date
/// (IMF-fixdate, and the obsolete RFC 850 and asctime forms servers still send).
enum RetryAfter {
    /// Seconds to wait from `now`; nil when the value is neither form. A date in the past is 0.
    static func seconds(_ header: String, now: Date = Date()) -> Double? {
        let value = header.trimmingCharacters(in: .whitespaces)
        if let s = Double(value), s.isFinite { return max(0, s) }
        // asctime pads one-digit days with a second space: collapse runs of spaces.
        let date = value.split(separator: " ").joined(separator: " ")
        // Formatters are made per call (a rare path: 429/503 answers), not shared between tasks.
        for pattern in patterns {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = pattern
            f.isLenient = false
            if let d = f.date(from: date) { return max(0, d.timeIntervalSince(now)) }
        }
        return nil
    }

    static let patterns = [
        "EEE, dd MMM yyyy HH:mm:ss zzz",  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "EEEE, dd-MMM-yy HH:mm:ss zzz",  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        "EEE MMM d HH:mm:ss yyyy"  // asctime: Sun Nov  6 08:49:37 1994
    ]
}
