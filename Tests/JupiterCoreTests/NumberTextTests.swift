import JupiterCore
import Testing

@Suite struct NumberTextTests {
    @Test func groupsOfThree() {
        #expect(NumberText.grouped(0) == "0")
        #expect(NumberText.grouped(999) == "999")
        #expect(NumberText.grouped(1000) == "1,000")
        #expect(NumberText.grouped(1_234_567) == "1,234,567")
        #expect(NumberText.grouped(-1234) == "-1,234")
        #expect(NumberText.grouped(-999) == "-999")
    }
}
