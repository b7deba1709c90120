//! Expression syntax tree. Spans are byte ranges in the expression text.

/// Byte range in the expression text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ESpan {
    pub start: u32,
    pub end: u32,
}

impl ESpan {
    pub fn new(start: u32, end: u32) -> ESpan {
        ESpan { start, end }
    }
    pub fn to(self, other: ESpan) -> ESpan {
        ESpan { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: ESpan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
    Invert,
}

/// A piece of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    /// `{expr!conv:spec}`.
    Expr {
        expr: Box<Expr>,
        conv: Option<char>,
        spec: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// `42`
    Int(i64),
    /// `4.2`
    Float(f64),
    /// `'text'`
    Str(String),
    /// `b'bytes'`
    Bytes(Vec<u8>),
    /// `f'{x} and {y:05d}'`
    FString(Vec<FPart>),
    /// `name`
    Name(String),
    /// `value.attr`
    Attr(Box<Expr>, String, ESpan),
    /// `value[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `value[lo:hi:step]`
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `f(a, k=v)`
    Call(Box<Expr>, Vec<Expr>, Vec<(String, Expr)>),
    /// `-x`, `not x`
    Unary(UnOp, Box<Expr>),
    /// `a + b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a if c else b`
    IfElse(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `{k: v}`
    Dict(Vec<(Expr, Expr)>),
    /// `[elt for var in iter if cond]` (also generator expressions in calls)
    ListComp { elt: Box<Expr>, vars: Vec<String>, iter: Box<Expr>, cond: Option<Box<Expr>> },
}
