/// Bounds that stop a runaway chat template with a ``TemplateError`` of kind `limit` instead of
/// exhausting the stack (a macro that calls itself without end: jinja2 raises `RecursionError`
/// there), memory, or time.
///
/// Each bound is far above what real chat templates use and, for nesting, at or above what
/// jinja2 itself can parse (about 100 nested brackets or blocks); the same template and inputs
/// always hit the same bound, whatever thread renders them.
public enum JinjaLimits {
    /// Deepest nesting of statements, and of an expression tree (brackets, unary operators and
    /// operator, filter or attribute chains), that the parser accepts.
    public static let maxNesting = 200
    /// Deepest nesting, while rendering, of statements, expressions and macro calls together: a
    /// macro calling itself through an `if` takes 4 a level, so recursion ~150 deep renders (jinja2
    /// stops near 190). Measured at under 8 KiB of stack a level in a debug build, so the bound
    /// stays under 5 MiB, inside the 8 MiB stacks of Linux threads (main, Dispatch, Swift tasks).
    public static let maxRenderDepth = 600
    /// Most Unicode scalars a render may produce, counting text captured by macros and
    /// `{% set %}` blocks (32 Mi: hundreds of times a long conversation).
    public static let maxOutputScalars = 32 << 20
    /// Most loop iterations (all loops together) in one render.
    public static let maxLoopIterations = 1_000_000
}
