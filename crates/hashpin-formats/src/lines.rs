//! Physical lines to logical lines, in pip's order: join `\` continuations, drop comments,
//! then expand `${VAR}` environment variables.

/// A logical line and the 1-based number of its first physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) number: usize,
    pub(crate) text: String,
}

/// Joins continuations, strips comments and blank lines, and expands variables.
pub(crate) fn logical_lines(text: &str, variable: &impl Fn(&str) -> Option<String>) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut pending: Option<Line> = None;
    // pip decodes a BOM away (its `auto_decode`), so a file saved by Notepad reads the same.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in python_lines(text).enumerate() {
        let is_comment = raw.trim_start().starts_with('#');
        match raw.strip_suffix('\\') {
            // pip never continues a comment line: it ends the pending line instead.
            Some(head) if !is_comment => {
                let line = pending.get_or_insert_with(|| Line {
                    number: index + 1,
                    text: String::new(),
                });
                line.text.push_str(head);
            }
            _ => {
                let mut line = pending.take().unwrap_or(Line {
                    number: index + 1,
                    text: String::new(),
                });
                if is_comment {
                    line.text.push(' ');
                }
                line.text.push_str(raw);
                lines.push(line);
            }
        }
    }
    lines.extend(pending);
    lines
        .into_iter()
        .filter_map(|line| {
            let text = expand(strip_comment(&line.text).trim(), variable);
            (!text.is_empty()).then_some(Line {
                number: line.number,
                text,
            })
        })
        .collect()
}

/// The lines of `text` as Python's `str.splitlines()` gives them, as pip reads requirements
/// files: besides `\n` and `\r\n`, a lone `\r`, `\v`, `\f`, `\x1c`..`\x1e`, NEL, U+2028 and
/// U+2029 end a line. Splitting on fewer would let a line that pip reads as two pass as one.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let Some((index, c)) = current.char_indices().find(|&(_, c)| {
            matches!(
                c,
                '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}'
                    ..='\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
            )
        }) else {
            rest = None;
            return (!current.is_empty()).then_some(current);
        };
        let mut end = index + c.len_utf8();
        if c == '\r' && current[end..].starts_with('\n') {
            end += 1;
        }
        rest = Some(&current[end..]).filter(|rest| !rest.is_empty());
        Some(&current[..index])
    })
}

/// Drops a `#` comment that starts the line or follows whitespace (pip's `(^|\s+)#.*$`).
fn strip_comment(text: &str) -> &str {
    let mut previous_is_space = true;
    for (index, c) in text.char_indices() {
        if c == '#' && previous_is_space {
            return &text[..index];
        }
        previous_is_space = c.is_whitespace();
    }
    text
}

/// Expands `${NAME}` where NAME is `[A-Z0-9_]+` and set; anything else is left as written
/// (pip's rule, which keeps `$HOME` and unset variables literal).
fn expand(text: &str, variable: &impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_end = after.find('}');
        let value = name_end
            .map(|end| &after[..end])
            .filter(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            })
            .and_then(variable);
        if let (Some(value), Some(end)) = (value, name_end) {
            out.push_str(&value);
            rest = &after[end + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(usize, String)> {
        let variable = |name: &str| (name == "TOKEN").then(|| "s3cret".to_string());
        logical_lines(text, &variable)
            .into_iter()
            .map(|line| (line.number, line.text))
            .collect()
    }

    #[test]
    fn continuations_comments_and_blank_lines() {
        let text =
            "# header\n\nrequests \\\n  >=2.0 \\\n  # not joined\nflask # web\nurl#frag\n  \n";
        assert_eq!(
            lines(text),
            [
                (3, "requests   >=2.0".to_string()),
                (6, "flask".to_string()),
                (7, "url#frag".to_string()),
            ]
        );
    }

    #[test]
    fn issue_9_lines_end_where_python_ends_them() {
        assert_eq!(
            lines("a\rb\u{0c}c\u{2028}d\r\ne\n\nf"),
            [
                (1, "a".to_string()),
                (2, "b".to_string()),
                (3, "c".to_string()),
                (4, "d".to_string()),
                (5, "e".to_string()),
                (7, "f".to_string()),
            ]
        );
    }

    #[test]
    fn issue_9_a_byte_order_mark_is_ignored() {
        assert_eq!(lines("\u{feff}requests\n"), [(1, "requests".to_string())]);
    }

    #[test]
    fn continuation_at_end_of_file() {
        assert_eq!(lines("django \\"), [(1, "django".to_string())]);
    }

    #[test]
    fn environment_variables_as_pip_expands_them() {
        assert_eq!(
            lines("--index-url https://u:${TOKEN}@example.com/${UNSET}/$HOME/${lower}\n"),
            [(
                1,
                "--index-url https://u:s3cret@example.com/${UNSET}/$HOME/${lower}".to_string()
            )]
        );
    }
}
