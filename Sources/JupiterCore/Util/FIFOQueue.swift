/// A first-in, first-out queue whose pops cost O(1): a head index into an array that is compacted
/// once the popped part is over half of it (the waiters of ``AsyncGate`` and the model client's
/// endpoint pool).
package struct FIFOQueue<Element> {
    private var items: [Element] = []
    private var head = 0

    /// An empty queue.
    package init() {}

    /// Adds `element` at the back.
    package mutating func append(_ element: Element) { items.append(element) }

    /// Takes the front element, or nil when empty.
    package mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}
