import Foundation
import Testing

@testable import JupiterLLM

@Suite struct RetryAfterTests {
    /// 2026-10-21 07:27:30 UTC.
    let now = Date(timeIntervalSince1970: 1_792_567_650)

    @Test func secondsAndEveryHTTPDateForm() {
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds(" 0.5 ", now: now) == 0.5)
        #expect(RetryAfter.seconds("Wed, 21 Oct 2026 07:28:00 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Wednesday, 21-Oct-26 07:28:00 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Wed Oct 21 07:28:00 2026", now: now) == 30)
        #expect(RetryAfter.seconds("Thu Oct  1 07:28:00 2026", now: Date(timeIntervalSince1970: 1_790_839_650)) == 30)
    }

    @Test func pastDatesWaitNothingAndGarbageIsIgnored() {
        #expect(RetryAfter.seconds("Wed, 21 Oct 2026 07:00:00 GMT", now: now) == 0)
        #expect(RetryAfter.seconds("-5", now: now) == 0)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
        #expect(RetryAfter.seconds("", now: now) == nil)
        #expect(RetryAfter.seconds("Wed, 32 Oct 2026 07:28:00 GMT", now: now) == nil)
    }
}
