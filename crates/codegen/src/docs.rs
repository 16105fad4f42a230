//! Turning schema `description`s into doc comments that rustdoc (`-D warnings`) and clippy accept.
//!
//! Only the first paragraph is kept. Markdown links become `text (<url>)`, bare URLs are wrapped
//! in `<...>`, brackets are escaped and angle brackets become entities, so no text can turn into
//! a broken intra-doc link or an HTML tag; code spans are kept verbatim. Lines are wrapped without
//! ever starting with something Markdown reads as a list, quote, heading or code fence.

/// The first paragraph of a description as one line of sanitized Markdown; empty if there is none.
pub fn summary(description: &str) -> String {
    let first = description
        .split('\n')
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let collapsed = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = sanitize(&collapsed);
    escape_line_start(&text)
}

/// Escapes the whole text outside code spans.
fn sanitize(text: &str) -> String {
    let text = normalize_fences(text);
    let mut out = String::with_capacity(text.len() + 16);
    for (is_code, piece) in split_code_spans(&text) {
        if is_code {
            out.push_str(&piece);
        } else {
            out.push_str(&escape_text(&piece));
        }
    }
    out
}

/// Replaces backtick runs of three or more (fences) by double backticks, which can only open
/// inline code spans.
fn normalize_fences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars().chain(std::iter::once('\0')) {
        if c == '`' {
            run += 1;
            continue;
        }
        if run > 0 {
            out.push_str(if run >= 3 { "``" } else { &"``"[..run] });
            run = 0;
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// Splits text into `(is_code_span, piece)`. A backtick run opens a code span only if the same
/// run length closes it later; unmatched backticks are dropped.
fn split_code_spans(text: &str) -> Vec<(bool, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            plain.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '`').count();
        let body_start = i + run;
        let mut j = body_start;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let r = chars[j..].iter().take_while(|c| **c == '`').count();
                if r == run {
                    close = Some(j);
                    break;
                }
                j += r;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) if end > body_start => {
                if !plain.is_empty() {
                    pieces.push((false, std::mem::take(&mut plain)));
                }
                pieces.push((true, chars[i..end + run].iter().collect()));
                i = end + run;
            }
            _ => i = body_start,
        }
    }
    if !plain.is_empty() {
        pieces.push((false, plain));
    }
    pieces
}

/// Escapes plain Markdown text: links, URLs, brackets and angle brackets.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((label, url, len)) = markdown_link(rest) {
            out.push_str(&escape_chars(label));
            if is_url(url) {
                out.push_str(" (<");
                out.push_str(url);
                out.push_str(">)");
            }
            rest = &rest[len..];
            continue;
        }
        if is_url(rest) {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', ']', '\'', '*']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push_str(&escape_chars(&rest[..c.len_utf8()]));
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

/// `[label](target)` at the start of `text`: the label, the target and the matched length.
fn markdown_link(text: &str) -> Option<(&str, &str, usize)> {
    let inner = text.strip_prefix('[')?;
    let close = inner.find(']')?;
    let label = &inner[..close];
    if label.contains('[') {
        return None;
    }
    let after = inner[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let target = after[..end].trim();
    if target.contains(char::is_whitespace) {
        return None;
    }
    Some((label, target, 1 + close + 2 + end + 1))
}

fn escape_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether a line starting with `word` (followed by a space) would be read as block syntax: a
/// list item, quote, heading, fence, thematic break or setext underline.
fn starts_block(word: &str) -> bool {
    if matches!(word, "-" | "+" | "*") || word.starts_with('>') || word.starts_with("~~~") {
        return true;
    }
    if !word.is_empty()
        && word
            .chars()
            .all(|c| matches!(c, '-' | '=' | '*' | '_' | '#'))
    {
        return true;
    }
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && digits <= 9 && matches!(&word[digits..], "." | ")")
}

/// Escapes a first word that Markdown would read as block syntax.
fn escape_line_start(text: &str) -> String {
    let first = text.split(' ').next().unwrap_or_default();
    if !starts_block(first) {
        return text.to_owned();
    }
    let at = first.chars().take_while(char::is_ascii_digit).count();
    format!("{}\\{}", &text[..at], &text[at..])
}

/// Wraps `text` into lines of at most `width` characters (words longer than that stay whole),
/// never starting a line with block syntax.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if line.is_empty() {
            line.push_str(word);
        } else if line.chars().count() + 1 + word.chars().count() <= width || starts_block(word) {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_urls_are_made_safe() {
        assert_eq!(
            summary("See [Subnets](https://docs.aws.amazon.com/x.html) in the *Guide*."),
            "See Subnets (<https://docs.aws.amazon.com/x.html>) in the *Guide*."
        );
        assert_eq!(
            summary("Go to https://example.com/a."),
            "Go to <https://example.com/a>."
        );
        assert_eq!(
            summary("Values: [a, b] <tag>"),
            "Values: \\[a, b\\] &lt;tag&gt;"
        );
        assert_eq!(
            summary("Use [Relative](API_X.html) docs"),
            "Use Relative docs"
        );
    }

    #[test]
    fn code_spans_stay_verbatim_and_fences_are_defused() {
        assert_eq!(summary("Set ``[x]`` to `<y>`"), "Set ``[x]`` to `<y>`");
        assert_eq!(summary("```json {}``` end"), "``json {}`` end");
        assert_eq!(summary("odd ` tick"), "odd  tick");
    }

    #[test]
    fn only_the_first_paragraph_is_kept() {
        assert_eq!(summary("\n First line.\n + item"), "First line.");
        assert_eq!(summary("+ item"), "\\+ item");
        assert_eq!(summary("1. item"), "1\\. item");
        assert_eq!(summary(""), "");
    }

    #[test]
    fn wrapping_never_starts_a_line_with_block_syntax() {
        let lines = wrap("aaaa bbbb - cccc 1. dddd eeee", 9);
        assert_eq!(lines, ["aaaa bbbb -", "cccc 1.", "dddd eeee"]);
        assert!(
            lines
                .iter()
                .all(|l| !starts_block(l.split(' ').next().unwrap()))
        );
    }
}
