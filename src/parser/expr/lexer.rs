//! Expression lexer (logos) for the Python subset of `script`, `condition`, `count={…}` ….
//!
//! Offsets are byte offsets into the expression text; the caller maps them into the model
//! file with [`crate::parser::xml::Attr::source_span`].

use logos::Logos;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\x0c]+")]
#[logos(skip r"\\\r?\n")]
pub enum Tok {
    #[regex(r"[0-9][0-9_]*", priority = 3)]
    #[regex(r"0[xX][0-9a-fA-F_]+")]
    #[regex(r"0[oO][0-7_]+")]
    #[regex(r"0[bB][01_]+")]
    Int,
    #[regex(r"[0-9][0-9_]*\.[0-9_]*([eE][+-]?[0-9]+)?")]
    #[regex(r"\.[0-9][0-9_]*([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9]+")]
    Float,
    /// Any quoted string, optionally prefixed (`r b f u rb br fr rf`).
    #[regex(r#"([rRbBfFuU]|[rR][bBfF]|[bBfF][rR])?'([^'\\\n]|\\.)*'"#)]
    #[regex(r#"([rRbBfFuU]|[rR][bBfF]|[bBfF][rR])?"([^"\\\n]|\\.)*""#)]
    Str,
    /// Identifier; `\:` joins XML-namespaced names (`gc\:CodeList`).
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}]*(\\:[\p{XID_Start}_][\p{XID_Continue}]*)*")]
    Name,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    StarStar,
    #[token("/")]
    Slash,
    #[token("//")]
    SlashSlash,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=")]
    Assign,
    #[token(":=")]
    Walrus,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("~")]
    Tilde,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("@")]
    At,
    #[token(";")]
    Semi,
}

/// One token with its byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub start: u32,
    pub end: u32,
}

/// Lexes the whole text; `Err(offset)` at the first unrecognised character.
pub fn lex(text: &str) -> Result<Vec<Token>, (usize, usize)> {
    let mut out = Vec::new();
    let mut lx = Tok::lexer(text);
    while let Some(r) = lx.next() {
        let sp = lx.span();
        match r {
            Ok(tok) => out.push(Token { tok, start: sp.start as u32, end: sp.end as u32 }),
            Err(()) => return Err((sp.start, sp.end.max(sp.start + 1))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).expect("lexes").into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_operators_and_literals() {
        use Tok::*;
        assert_eq!(kinds("a // 2 ** 3"), vec![Name, SlashSlash, Int, StarStar, Int]);
        assert_eq!(kinds("f'{x}' + 'a\\'b'"), vec![Str, Plus, Str]);
        assert_eq!(kinds("1.5e3 .5 3."), vec![Float, Float, Float]);
        assert_eq!(kinds("gc\\:CodeList.Row"), vec![Name, Dot, Name]);
        assert_eq!(kinds("x <= y != z"), vec![Name, Le, Name, NotEq, Name]);
    }

    #[test]
    fn reports_bad_characters() {
        assert_eq!(lex("a $ b"), Err((2, 3)));
    }
}
