//! Expression parser: tokens → [`Expr`], Pratt-style binding powers for binary operators,
//! recursive descent for the rest, Python precedence throughout.

use super::ast::*;
use super::lexer::{lex, Tok, Token};

/// A syntax error, or a construct outside the supported subset.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: ESpan,
    /// `true` for valid Python that the subset does not support (`lambda`, `import`, …).
    pub unsupported: bool,
}

fn err(message: impl Into<String>, span: ESpan) -> ParseError {
    ParseError { message: message.into(), span, unsupported: false }
}

fn unsupported(what: &str, span: ESpan) -> ParseError {
    ParseError { message: format!("not supported: {what}"), span, unsupported: true }
}

/// Deepest nesting of sub-expressions accepted (parentheses, unary operators, f-strings).
pub const MAX_NESTING: u32 = 64;

/// Parses a whole expression.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    parse_at(text, 0, 0)
}

/// Parses `text` whose first byte sits at `base` in an outer text (for f-string parts), at
/// nesting depth `depth`.
fn parse_at(text: &str, base: u32, depth: u32) -> Result<Expr, ParseError> {
    let tokens = lex(text).map_err(|(s, e)| {
        let c = text[s..].chars().next().unwrap_or('?');
        err(format!("unexpected character '{c}'"), ESpan::new(base + s as u32, base + e as u32))
    })?;
    let tokens: Vec<Token> =
        tokens.into_iter().map(|t| Token { tok: t.tok, start: t.start + base, end: t.end + base }).collect();
    let end = base + text.len() as u32;
    let mut p = Parser { text, base, toks: tokens, pos: 0, end, depth };
    if p.toks.is_empty() {
        return Err(err("empty expression", ESpan::new(base, end)));
    }
    let e = p.expr_tuple()?;
    if let Some(t) = p.peek() {
        return Err(err(format!("unexpected '{}'", p.slice(t)), p.span_of(t)));
    }
    Ok(e)
}

/// Keyword arguments of a call, in order.
type Kwargs = Vec<(String, Expr)>;

struct Parser<'a> {
    text: &'a str,
    base: u32,
    toks: Vec<Token>,
    pos: usize,
    end: u32,
    depth: u32,
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "for", "lambda", "None", "True", "False", "import", "from", "yield",
    "await", "async", "def", "class", "return", "del", "global", "with", "as", "pass", "raise", "try", "while",
];

impl<'a> Parser<'a> {
    fn slice(&self, t: Token) -> &'a str {
        &self.text[(t.start - self.base) as usize..(t.end - self.base) as usize]
    }
    fn span_of(&self, t: Token) -> ESpan {
        ESpan::new(t.start, t.end)
    }
    fn peek(&self) -> Option<Token> {
        self.toks.get(self.pos).copied()
    }
    fn peek_at(&self, n: usize) -> Option<Token> {
        self.toks.get(self.pos + n).copied()
    }
    fn bump(&mut self) -> Option<Token> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn at(&self, tok: Tok) -> bool {
        self.peek().is_some_and(|t| t.tok == tok)
    }
    fn at_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.tok == Tok::Name && self.slice(t) == kw)
    }
    fn eat(&mut self, tok: Tok) -> bool {
        if self.at(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eof_span(&self) -> ESpan {
        ESpan::new(self.end, self.end)
    }
    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, ParseError> {
        match self.peek() {
            Some(t) if t.tok == tok => {
                self.pos += 1;
                Ok(t)
            }
            Some(t) => Err(err(format!("expected {what}, found '{}'", self.slice(t)), self.span_of(t))),
            None => Err(err(format!("expected {what} at the end of the expression"), self.eof_span())),
        }
    }

    /// `a, b` at top level is a tuple.
    fn expr_tuple(&mut self) -> Result<Expr, ParseError> {
        let first = self.expr()?;
        if !self.at(Tok::Comma) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(Tok::Comma) {
            if self.peek().is_none() || self.at(Tok::RParen) {
                break;
            }
            items.push(self.expr()?);
        }
        let span = items[0].span.to(items[items.len() - 1].span);
        Ok(Expr { kind: ExprKind::Tuple(items), span })
    }

    /// Guards recursion: nesting deeper than [`MAX_NESTING`] is an error, not a stack overflow.
    fn nest(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let at = self.peek().map(|t| self.span_of(t)).unwrap_or(self.eof_span());
            return Err(err(format!("expression is nested deeper than {MAX_NESTING} levels"), at));
        }
        Ok(())
    }

    /// Conditional expression level (also rejects `lambda`).
    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.nest()?;
        let r = self.expr_inner();
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<Expr, ParseError> {
        if let Some(t) = self.peek() {
            if t.tok == Tok::Name && self.slice(t) == "lambda" {
                return Err(unsupported("lambda", self.span_of(t)));
            }
            if t.tok == Tok::Name && matches!(self.slice(t), "import" | "from") {
                return Err(unsupported("import", self.span_of(t)));
            }
            if t.tok == Tok::Name && matches!(self.slice(t), "yield" | "await") {
                return Err(unsupported(self.slice(t), self.span_of(t)));
            }
        }
        let body = self.or_expr()?;
        if self.at(Tok::Walrus) {
            let t = self.peek().unwrap_or(Token { tok: Tok::Walrus, start: 0, end: 0 });
            return Err(unsupported("assignment expression ':='", self.span_of(t)));
        }
        if self.eat_kw("if") {
            let cond = self.or_expr()?;
            if !self.eat_kw("else") {
                return Err(err(
                    "expected 'else' in conditional expression",
                    self.peek().map(|t| self.span_of(t)).unwrap_or(self.eof_span()),
                ));
            }
            let other = self.expr()?;
            let span = body.span.to(other.span);
            return Ok(Expr { kind: ExprKind::IfElse(Box::new(cond), Box::new(body), Box::new(other)), span });
        }
        Ok(body)
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.and_expr()?;
        while self.eat_kw("or") {
            let r = self.and_expr()?;
            let span = l.span.to(r.span);
            l = Expr { kind: ExprKind::Or(Box::new(l), Box::new(r)), span };
        }
        Ok(l)
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.not_expr()?;
        while self.eat_kw("and") {
            let r = self.not_expr()?;
            let span = l.span.to(r.span);
            l = Expr { kind: ExprKind::And(Box::new(l), Box::new(r)), span };
        }
        Ok(l)
    }

    fn not_expr(&mut self) -> Result<Expr, ParseError> {
        self.nest()?;
        let r = self.not_expr_inner();
        self.depth -= 1;
        r
    }

    fn not_expr_inner(&mut self) -> Result<Expr, ParseError> {
        if let Some(t) = self.peek() {
            if t.tok == Tok::Name && self.slice(t) == "not" {
                self.pos += 1;
                let e = self.not_expr()?;
                let span = self.span_of(t).to(e.span);
                return Ok(Expr { kind: ExprKind::Unary(UnOp::Not, Box::new(e)), span });
            }
        }
        self.comparison()
    }

    fn cmp_op(&mut self) -> Option<CmpOp> {
        let t = self.peek()?;
        let op = match t.tok {
            Tok::EqEq => CmpOp::Eq,
            Tok::NotEq => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            Tok::Name => match self.slice(t) {
                "in" => CmpOp::In,
                "is" => {
                    if self.peek_at(1).is_some_and(|n| n.tok == Tok::Name && self.slice(n) == "not") {
                        self.pos += 1;
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                "not" if self.peek_at(1).is_some_and(|n| n.tok == Tok::Name && self.slice(n) == "in") => {
                    self.pos += 1;
                    CmpOp::NotIn
                }
                _ => return None,
            },
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let first = self.binary(0)?;
        let mut rest = Vec::new();
        while let Some(op) = self.cmp_op() {
            rest.push((op, self.binary(0)?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let span = first.span.to(rest[rest.len() - 1].1.span);
        Ok(Expr { kind: ExprKind::Compare(Box::new(first), rest), span })
    }

    /// Binding powers (left, right) of the binary operators, Python order.
    fn binop(&self) -> Option<(BinOp, u8, u8)> {
        let t = self.peek()?;
        Some(match t.tok {
            Tok::Pipe => (BinOp::BitOr, 1, 2),
            Tok::Caret => (BinOp::BitXor, 3, 4),
            Tok::Amp => (BinOp::BitAnd, 5, 6),
            Tok::Shl => (BinOp::Shl, 7, 8),
            Tok::Shr => (BinOp::Shr, 7, 8),
            Tok::Plus => (BinOp::Add, 9, 10),
            Tok::Minus => (BinOp::Sub, 9, 10),
            Tok::Star => (BinOp::Mul, 11, 12),
            Tok::Slash => (BinOp::Div, 11, 12),
            Tok::SlashSlash => (BinOp::FloorDiv, 11, 12),
            Tok::Percent => (BinOp::Mod, 11, 12),
            _ => return None,
        })
    }

    fn binary(&mut self, min_bp: u8) -> Result<Expr, ParseError> {
        let mut l = self.unary()?;
        while let Some((op, lbp, rbp)) = self.binop() {
            if lbp < min_bp {
                break;
            }
            self.pos += 1;
            let r = self.binary(rbp)?;
            let span = l.span.to(r.span);
            l = Expr { kind: ExprKind::Binary(op, Box::new(l), Box::new(r)), span };
        }
        Ok(l)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.nest()?;
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<Expr, ParseError> {
        let t = match self.peek() {
            Some(t) => t,
            None => return Err(err("expected an operand at the end of the expression", self.eof_span())),
        };
        let op = match t.tok {
            Tok::Minus => UnOp::Neg,
            Tok::Plus => UnOp::Pos,
            Tok::Tilde => UnOp::Invert,
            _ => return self.power(),
        };
        self.pos += 1;
        let e = self.unary()?;
        let span = self.span_of(t).to(e.span);
        // Fold negative literals so that `-9223372036854775808` and `-1.5` stay literals.
        if op == UnOp::Neg {
            match e.kind {
                ExprKind::Int(i) => return Ok(Expr { kind: ExprKind::Int(i.wrapping_neg()), span }),
                ExprKind::Float(f) => return Ok(Expr { kind: ExprKind::Float(-f), span }),
                _ => {}
            }
        }
        Ok(Expr { kind: ExprKind::Unary(op, Box::new(e)), span })
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.postfix()?;
        if self.eat(Tok::StarStar) {
            let exp = self.unary()?;
            let span = base.span.to(exp.span);
            return Ok(Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)), span });
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.atom()?;
        loop {
            if self.eat(Tok::Dot) {
                let t = self.expect(Tok::Name, "an attribute name after '.'")?;
                let name = self.slice(t).to_string();
                let span = e.span.to(self.span_of(t));
                e = Expr { kind: ExprKind::Attr(Box::new(e), name, self.span_of(t)), span };
            } else if self.at(Tok::LParen) {
                self.pos += 1;
                let (args, kwargs) = self.call_args()?;
                let close = self.expect(Tok::RParen, "')' to close the call")?;
                let span = e.span.to(self.span_of(close));
                e = Expr { kind: ExprKind::Call(Box::new(e), args, kwargs), span };
            } else if self.at(Tok::LBracket) {
                self.pos += 1;
                e = self.subscript(e)?;
            } else {
                return Ok(e);
            }
        }
    }

    fn subscript(&mut self, target: Expr) -> Result<Expr, ParseError> {
        let mut parts: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut colons = 0;
        loop {
            if self.at(Tok::RBracket) {
                break;
            }
            if self.eat(Tok::Colon) {
                colons += 1;
                if colons > 2 {
                    return Err(err("too many ':' in slice", self.eof_span()));
                }
                continue;
            }
            if parts[colons].is_some() {
                let t = self.peek().unwrap_or(Token { tok: Tok::RBracket, start: self.end, end: self.end });
                return Err(err("expected ']' or ':' in subscript", self.span_of(t)));
            }
            parts[colons] = Some(Box::new(self.expr_tuple()?));
        }
        let close = self.expect(Tok::RBracket, "']'")?;
        let span = target.span.to(self.span_of(close));
        if colons == 0 {
            let idx = parts[0].take().ok_or_else(|| err("empty subscript", span))?;
            return Ok(Expr { kind: ExprKind::Index(Box::new(target), idx), span });
        }
        let [a, b, c] = parts;
        Ok(Expr { kind: ExprKind::Slice(Box::new(target), a, b, c), span })
    }

    fn call_args(&mut self) -> Result<(Vec<Expr>, Kwargs), ParseError> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Expr)> = Vec::new();
        while !self.at(Tok::RParen) {
            if self.at(Tok::Star) || self.at(Tok::StarStar) {
                let t = self.peek().unwrap_or(Token { tok: Tok::Star, start: 0, end: 0 });
                return Err(unsupported("argument unpacking", self.span_of(t)));
            }
            let is_kw = self.peek().is_some_and(|t| t.tok == Tok::Name)
                && self.peek_at(1).is_some_and(|t| t.tok == Tok::Assign);
            if is_kw {
                let t = self.bump().unwrap_or(Token { tok: Tok::Name, start: 0, end: 0 });
                self.pos += 1;
                let v = self.expr()?;
                kwargs.push((self.slice(t).to_string(), v));
            } else {
                if !kwargs.is_empty() {
                    let t = self.peek().unwrap_or(Token { tok: Tok::Name, start: self.end, end: self.end });
                    return Err(err("positional argument follows keyword argument", self.span_of(t)));
                }
                let a = self.expr()?;
                if self.at_kw("for") {
                    // Generator expression as the sole argument: `sum(x for x in xs)`.
                    let comp = self.comprehension(a)?;
                    args.push(comp);
                } else {
                    args.push(a);
                }
            }
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        Ok((args, kwargs))
    }

    fn comprehension(&mut self, elt: Expr) -> Result<Expr, ParseError> {
        let for_tok = self.bump().unwrap_or(Token { tok: Tok::Name, start: 0, end: 0 });
        let mut vars = Vec::new();
        loop {
            let parened = self.eat(Tok::LParen);
            loop {
                let t = self.expect(Tok::Name, "a loop variable after 'for'")?;
                vars.push(self.slice(t).to_string());
                if !self.eat(Tok::Comma) {
                    break;
                }
            }
            if parened {
                self.expect(Tok::RParen, "')'")?;
            }
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        if !self.eat_kw("in") {
            return Err(err("expected 'in' in comprehension", self.span_of(for_tok)));
        }
        let iter = self.or_expr()?;
        let cond = if self.eat_kw("if") { Some(Box::new(self.or_expr()?)) } else { None };
        if self.at_kw("for") {
            let t = self.peek().unwrap_or(for_tok);
            return Err(unsupported("nested comprehension", self.span_of(t)));
        }
        let span = elt.span.to(cond.as_ref().map(|c| c.span).unwrap_or(iter.span));
        Ok(Expr { kind: ExprKind::ListComp { elt: Box::new(elt), vars, iter: Box::new(iter), cond }, span })
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let t = match self.bump() {
            Some(t) => t,
            None => return Err(err("expected an operand at the end of the expression", self.eof_span())),
        };
        let span = self.span_of(t);
        let s = self.slice(t);
        let kind = match t.tok {
            Tok::Int => {
                ExprKind::Int(parse_int(s).ok_or_else(|| err(format!("integer literal {s} is out of range"), span))?)
            }
            Tok::Float => ExprKind::Float(s.replace('_', "").parse().map_err(|_| err("bad float literal", span))?),
            Tok::Str => {
                // Adjacent literals concatenate.
                let mut kind = self.string_literal(s, t.start)?;
                while let Some(n) = self.peek().filter(|n| n.tok == Tok::Str) {
                    self.pos += 1;
                    let next = self.string_literal(self.slice(n), n.start)?;
                    kind = concat_literals(kind, next, span)?;
                }
                kind
            }
            Tok::Name => match s {
                "None" => ExprKind::None,
                "True" => ExprKind::Bool(true),
                "False" => ExprKind::Bool(false),
                "lambda" => return Err(unsupported("lambda", span)),
                kw if KEYWORDS.contains(&kw) => {
                    return Err(err(format!("unexpected keyword '{kw}'"), span));
                }
                // `gc\:CodeList` names the XML-namespaced field `gc:CodeList`.
                _ => ExprKind::Name(s.replace("\\:", ":")),
            },
            Tok::LParen => {
                if self.at(Tok::RParen) {
                    let c = self.bump().unwrap_or(t);
                    return Ok(Expr { kind: ExprKind::Tuple(vec![]), span: span.to(self.span_of(c)) });
                }
                let first = self.expr()?;
                if self.at_kw("for") {
                    let comp = self.comprehension(first)?;
                    let c = self.expect(Tok::RParen, "')'")?;
                    return Ok(Expr { kind: comp.kind, span: span.to(self.span_of(c)) });
                }
                if self.eat(Tok::Comma) {
                    let mut items = vec![first];
                    while !self.at(Tok::RParen) {
                        items.push(self.expr()?);
                        if !self.eat(Tok::Comma) {
                            break;
                        }
                    }
                    let c = self.expect(Tok::RParen, "')'")?;
                    return Ok(Expr { kind: ExprKind::Tuple(items), span: span.to(self.span_of(c)) });
                }
                let c = self.expect(Tok::RParen, "')'")?;
                return Ok(Expr { kind: first.kind, span: span.to(self.span_of(c)) });
            }
            Tok::LBracket => {
                let mut items = Vec::new();
                if !self.at(Tok::RBracket) {
                    let first = self.expr()?;
                    if self.at_kw("for") {
                        let comp = self.comprehension(first)?;
                        let c = self.expect(Tok::RBracket, "']'")?;
                        return Ok(Expr { kind: comp.kind, span: span.to(self.span_of(c)) });
                    }
                    items.push(first);
                    while self.eat(Tok::Comma) {
                        if self.at(Tok::RBracket) {
                            break;
                        }
                        items.push(self.expr()?);
                    }
                }
                let c = self.expect(Tok::RBracket, "']' to close the list")?;
                return Ok(Expr { kind: ExprKind::List(items), span: span.to(self.span_of(c)) });
            }
            Tok::LBrace => {
                let mut items = Vec::new();
                while !self.at(Tok::RBrace) {
                    if self.at(Tok::StarStar) {
                        return Err(unsupported("dict unpacking", self.span_of(self.peek().unwrap_or(t))));
                    }
                    let k = self.expr()?;
                    if !self.eat(Tok::Colon) {
                        if !items.is_empty() {
                            return Err(err("expected ':' in dict literal", k.span));
                        }
                        // A set literal `{a, b}`: the distinct items, as `set([a, b])`.
                        let mut elems = vec![k];
                        while self.eat(Tok::Comma) {
                            if self.at(Tok::RBrace) {
                                break;
                            }
                            elems.push(self.expr()?);
                        }
                        let c = self.expect(Tok::RBrace, "'}' to close the set")?;
                        let whole = span.to(self.span_of(c));
                        let list = Expr { kind: ExprKind::List(elems), span: whole };
                        let f = Expr { kind: ExprKind::Name("set".into()), span };
                        return Ok(Expr { kind: ExprKind::Call(Box::new(f), vec![list], vec![]), span: whole });
                    }
                    let v = self.expr()?;
                    if self.at_kw("for") {
                        return Err(unsupported("dict comprehension", v.span));
                    }
                    items.push((k, v));
                    if !self.eat(Tok::Comma) {
                        break;
                    }
                }
                let c = self.expect(Tok::RBrace, "'}' to close the dict")?;
                return Ok(Expr { kind: ExprKind::Dict(items), span: span.to(self.span_of(c)) });
            }
            _ => return Err(err(format!("unexpected '{s}'"), span)),
        };
        Ok(Expr { kind, span })
    }

    /// Decodes one string token (prefixes, escapes, f-strings).
    fn string_literal(&self, s: &str, start: u32) -> Result<ExprKind, ParseError> {
        let q = s.find(['\'', '"']).unwrap_or(0);
        let prefix = s[..q].to_ascii_lowercase();
        let body = &s[q + 1..s.len() - 1];
        let body_start = start + q as u32 + 1;
        let span = ESpan::new(start, start + s.len() as u32);
        let raw = prefix.contains('r');
        if prefix.contains('f') {
            return self.fstring(body, body_start, raw).map(ExprKind::FString);
        }
        let text = if raw { body.to_string() } else { unescape_py(body).map_err(|m| err(m, span))? };
        if prefix.contains('b') {
            return Ok(ExprKind::Bytes(text.chars().map(|c| c as u32 as u8).collect()));
        }
        Ok(ExprKind::Str(text))
    }

    fn fstring(&self, body: &str, body_start: u32, raw: bool) -> Result<Vec<FPart>, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let b = body.as_bytes();
        let mut i = 0;
        let span_here = |a: usize, z: usize| ESpan::new(body_start + a as u32, body_start + z as u32);
        while i < b.len() {
            match b[i] {
                b'{' if b.get(i + 1) == Some(&b'{') => {
                    lit.push('{');
                    i += 2;
                }
                b'}' if b.get(i + 1) == Some(&b'}') => {
                    lit.push('}');
                    i += 2;
                }
                b'}' => return Err(err("single '}' is not allowed in an f-string", span_here(i, i + 1))),
                b'{' => {
                    // Find the matching close brace, honouring nesting and quotes.
                    let mut depth = 0;
                    let mut j = i + 1;
                    let mut quote: Option<u8> = None;
                    let mut expr_end = None;
                    let mut conv_pos = None;
                    let mut spec_pos = None;
                    while j < b.len() {
                        let c = b[j];
                        if let Some(qc) = quote {
                            if c == qc {
                                quote = None;
                            }
                        } else {
                            match c {
                                b'\'' | b'"' => quote = Some(c),
                                b'(' | b'[' | b'{' => depth += 1,
                                b')' | b']' => depth -= 1,
                                b'}' if depth > 0 => depth -= 1,
                                b'}' => {
                                    expr_end = Some(j);
                                    break;
                                }
                                b'!' if depth == 0 && spec_pos.is_none() && b.get(j + 1) != Some(&b'=') => {
                                    conv_pos.get_or_insert(j);
                                }
                                b':' if depth == 0 && spec_pos.is_none() => {
                                    spec_pos = Some(j);
                                }
                                _ => {}
                            }
                        }
                        j += 1;
                    }
                    let close = expr_end.ok_or_else(|| err("unclosed '{' in f-string", span_here(i, body.len())))?;
                    let expr_stop = conv_pos.or(spec_pos).unwrap_or(close);
                    let inner = &body[i + 1..expr_stop];
                    if inner.trim().is_empty() {
                        return Err(err("empty expression in f-string", span_here(i, close + 1)));
                    }
                    let expr = parse_at(inner, body_start + i as u32 + 1, self.depth + 1)?;
                    let conv = conv_pos.and_then(|p| body[p + 1..].chars().next());
                    if let Some(c) = conv {
                        if !matches!(c, 'r' | 's' | 'a') {
                            return Err(err(format!("bad conversion '!{c}' in f-string"), span_here(i, close + 1)));
                        }
                    }
                    let spec = spec_pos.map(|p| body[p + 1..close].to_string()).unwrap_or_default();
                    if !lit.is_empty() {
                        parts.push(FPart::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(FPart::Expr { expr: Box::new(expr), conv, spec });
                    i = close + 1;
                }
                _ => {
                    // Copy up to the next brace.
                    let next = body[i..].find(['{', '}']).map(|k| i + k).unwrap_or(b.len());
                    let chunk = &body[i..next];
                    if raw {
                        lit.push_str(chunk);
                    } else {
                        lit.push_str(&unescape_py(chunk).map_err(|m| err(m, span_here(i, next)))?);
                    }
                    i = next;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(FPart::Lit(lit));
        }
        Ok(parts)
    }
}

fn concat_literals(a: ExprKind, b: ExprKind, span: ESpan) -> Result<ExprKind, ParseError> {
    Ok(match (a, b) {
        (ExprKind::Str(x), ExprKind::Str(y)) => ExprKind::Str(x + &y),
        (ExprKind::Bytes(mut x), ExprKind::Bytes(y)) => {
            x.extend(y);
            ExprKind::Bytes(x)
        }
        (ExprKind::FString(mut x), ExprKind::Str(y)) => {
            x.push(FPart::Lit(y));
            ExprKind::FString(x)
        }
        (ExprKind::Str(x), ExprKind::FString(y)) => {
            let mut v = vec![FPart::Lit(x)];
            v.extend(y);
            ExprKind::FString(v)
        }
        (ExprKind::FString(mut x), ExprKind::FString(y)) => {
            x.extend(y);
            ExprKind::FString(x)
        }
        _ => return Err(err("cannot mix bytes and str literals", span)),
    })
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.replace('_', "");
    let lower = s.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        // `9223372036854775808` is accepted so that its negation folds to i64::MIN.
        s.parse::<i64>().ok().or_else(|| (s == "9223372036854775808").then_some(i64::MIN))
    }
}

/// Python string escapes.
pub fn unescape_py(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(k @ ('x' | 'u' | 'U')) => {
                let n = match k {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| format!("bad \\{k} escape"))?;
                out.push(char::from_u32(v).ok_or_else(|| format!("bad \\{k} escape"))?);
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        parse_expr(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn precedence_follows_python() {
        match p("1 + 2 * 3").kind {
            ExprKind::Binary(BinOp::Add, _, r) => {
                assert!(matches!(r.kind, ExprKind::Binary(BinOp::Mul, _, _)))
            }
            k => panic!("{k:?}"),
        }
        match p("-2 ** 2").kind {
            ExprKind::Unary(UnOp::Neg, e) => {
                assert!(matches!(e.kind, ExprKind::Binary(BinOp::Pow, _, _)))
            }
            k => panic!("{k:?}"),
        }
        assert!(matches!(p("a if b else c").kind, ExprKind::IfElse(..)));
        assert!(matches!(p("not a and b").kind, ExprKind::And(..)));
        assert!(matches!(p("1 < x < 3").kind, ExprKind::Compare(_, ref v) if v.len() == 2));
        assert!(matches!(p("x not in y").kind, ExprKind::Compare(_, ref v) if v[0].0 == CmpOp::NotIn));
        assert!(matches!(p("x is not None").kind, ExprKind::Compare(_, ref v) if v[0].0 == CmpOp::IsNot));
    }

    #[test]
    fn parses_postfix_chains() {
        assert!(matches!(p("a.b.c(1, k=2)[0]").kind, ExprKind::Index(..)));
        assert!(matches!(p("s[::-1]").kind, ExprKind::Slice(..)));
        assert!(matches!(p("sum(i['q'] for i in items)").kind, ExprKind::Call(..)));
        assert!(matches!(p("[x*2 for x in range(3) if x]").kind, ExprKind::ListComp { .. }));
        assert!(matches!(p("{'a': 1, 'b': [1, 2]}").kind, ExprKind::Dict(_)));
        assert!(matches!(p("(1,)").kind, ExprKind::Tuple(ref v) if v.len() == 1));
        assert!(matches!(p("1, 2").kind, ExprKind::Tuple(ref v) if v.len() == 2));
    }

    #[test]
    fn parses_fstrings() {
        match p("f'{x:05.2f}-{y!r} {{z}}'").kind {
            ExprKind::FString(parts) => {
                assert_eq!(parts.len(), 4);
                assert!(matches!(&parts[0], FPart::Expr { spec, .. } if spec == "05.2f"));
                assert!(matches!(&parts[2], FPart::Expr { conv: Some('r'), .. }));
                assert_eq!(parts[3], FPart::Lit(" {z}".into()));
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn fstring_parts_keep_outer_offsets() {
        let e = p("f'ab{xy}'");
        if let ExprKind::FString(parts) = e.kind {
            if let FPart::Expr { expr, .. } = &parts[1] {
                assert_eq!(expr.span, ESpan::new(5, 7));
                return;
            }
        }
        panic!("no expr part");
    }

    #[test]
    fn rejects_unsupported_and_bad_syntax() {
        let e = parse_expr("list(map(lambda x: x, y))").expect_err("lambda");
        assert!(e.unsupported);
        let e = parse_expr("a +").expect_err("syntax");
        assert!(!e.unsupported);
        assert!(parse_expr("").is_err());
        assert!(parse_expr("(a").is_err());
        assert!(parse_expr("f'{'").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "(".repeat(5000) + "1" + &")".repeat(5000);
        assert!(parse_expr(&deep).is_err());
        assert!(parse_expr(&"-".repeat(5000)).is_err());
        assert!(parse_expr(&"not ".repeat(5000)).is_err());
        let ok = "(".repeat(20) + "1" + &")".repeat(20);
        assert!(parse_expr(&ok).is_ok());
    }

    #[test]
    fn strings_decode_escapes() {
        assert_eq!(p(r"'a\'b\n'").kind, ExprKind::Str("a'b\n".into()));
        assert_eq!(p(r"r'a\n'").kind, ExprKind::Str("a\\n".into()));
        assert_eq!(p("'a' 'b'").kind, ExprKind::Str("ab".into()));
        assert_eq!(p("-9223372036854775808").kind, ExprKind::Int(i64::MIN));
    }
}
