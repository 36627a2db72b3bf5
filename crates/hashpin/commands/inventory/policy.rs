//! A licence policy: `--allow-licence` and `--deny-licence` patterns, judged against each
//! package's SPDX expression. `OR` is a choice (one allowed alternative is enough), `AND`
//! binds every part, `WITH` adds an exception to its licence (judged by the licence). A
//! pattern is an SPDX id, or a prefix ending in `*` (`GPL-*`, `AGPL-*`), compared without
//! regard to case.

/// The patterns of a policy.
#[derive(Debug, Default)]
pub(crate) struct Policy {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// Why a package breaks the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Breach {
    /// Its expression has no alternative the policy allows; the first licence in it that
    /// is not allowed.
    NotAllowed(Option<String>),
    /// Its licence is unknown, and only named licences are allowed.
    Unknown,
}

impl Policy {
    pub(crate) fn new(allow: &[String], deny: &[String]) -> anyhow::Result<Self> {
        let clean = |patterns: &[String], flag: &str| -> anyhow::Result<Vec<String>> {
            let given = !patterns.is_empty();
            let patterns: Vec<&str> = patterns
                .iter()
                .flat_map(|pattern| pattern.split(','))
                .map(str::trim)
                .filter(|pattern| !pattern.is_empty())
                .collect();
            // `--allow-licence "$LICENCES"` with the variable unset must not pass everything.
            anyhow::ensure!(
                !given || !patterns.is_empty(),
                "{flag} names no licence (an empty value, or only commas)"
            );
            patterns
                .into_iter()
                .map(|pattern| {
                    let body = pattern.strip_suffix('*').unwrap_or(pattern);
                    anyhow::ensure!(
                        !body.is_empty()
                            && body
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')),
                        "{flag} {pattern}: not an SPDX licence id, or a prefix of one ending in *"
                    );
                    Ok(pattern.to_ascii_lowercase())
                })
                .collect()
        };
        Ok(Self {
            allow: clean(allow, "--allow-licence")?,
            deny: clean(deny, "--deny-licence")?,
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// Whether only denials were given: an unknown licence then passes unjudged.
    pub(super) fn is_deny_only(&self) -> bool {
        self.allow.is_empty() && !self.deny.is_empty()
    }

    /// Whether one licence id is allowed.
    fn allows_id(&self, id: &str) -> bool {
        let id = id.to_ascii_lowercase();
        // SPDX's deprecated GNU ids (`GPL-3.0`, `GPL-3.0+`) name a family the current ones
        // split: `GPL-3.0` stands for `-only` and `-or-later`, `GPL-3.0+` for `-or-later`.
        let family = |text: &str| -> (String, bool) {
            for (suffix, later) in [("-or-later", true), ("+", true), ("-only", false)] {
                if let Some(base) = text.strip_suffix(suffix) {
                    return (base.to_string(), later);
                }
            }
            (text.to_string(), false)
        };
        let matches = |pattern: &String| match pattern.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None if *pattern == id => true,
            None if is_gnu(pattern) => {
                let (base, later) = family(pattern);
                let (id_base, id_later) = family(&id);
                base == id_base
                    && (later == id_later
                        || !(pattern.ends_with("-only")
                            || pattern.ends_with("-or-later")
                            || pattern.ends_with('+')))
            }
            None => false,
        };
        (self.allow.is_empty() || self.allow.iter().any(matches)) && !self.deny.iter().any(matches)
    }

    /// How a package of licence `spdx` (an expression, or `None` for unknown) breaks the
    /// policy, if it does.
    pub(super) fn judge(&self, spdx: Option<&str>) -> Option<Breach> {
        let Some(expression) = spdx else {
            return (!self.allow.is_empty()).then_some(Breach::Unknown);
        };
        let tokens = tokens(expression);
        let mut parser = Parser {
            tokens: &tokens,
            at: 0,
            depth: 0,
        };
        let judged = parser.or(self).filter(|_| parser.at == tokens.len());
        match judged {
            Some(true) => None,
            Some(false) => Some(Breach::NotAllowed(self.first_refused(&tokens))),
            // An expression hashpin cannot parse is judged as not allowed: it is not known to
            // be.
            None => Some(Breach::NotAllowed(None)),
        }
    }

    /// The first licence id of an expression that the policy does not allow.
    fn first_refused(&self, tokens: &[String]) -> Option<String> {
        let mut after_with = false;
        for token in tokens {
            let operator = matches!(token.to_ascii_uppercase().as_str(), "AND" | "OR" | "WITH")
                || token == "("
                || token == ")";
            if operator {
                after_with = token.eq_ignore_ascii_case("WITH");
                continue;
            }
            if !after_with && !self.allows_id(token) {
                return Some(token.clone());
            }
            after_with = false;
        }
        None
    }
}

/// A GNU licence id, whose `-only`/`-or-later` forms SPDX once wrote as bare and `+`.
fn is_gnu(id: &str) -> bool {
    ["gpl-", "lgpl-", "agpl-", "gfdl-"]
        .iter()
        .any(|family| id.starts_with(family))
}

fn tokens(expression: &str) -> Vec<String> {
    expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A recursive-descent reading of an SPDX expression that evaluates it against a policy as
/// it goes. Nesting is bounded: an expression is a line of metadata, not a program.
struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 32;

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn or(&mut self, policy: &Policy) -> Option<bool> {
        let mut allowed = self.and(policy)?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("OR")) {
            self.at += 1;
            allowed |= self.and(policy)?;
        }
        Some(allowed)
    }

    fn and(&mut self, policy: &Policy) -> Option<bool> {
        let mut allowed = self.term(policy)?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("AND")) {
            self.at += 1;
            allowed &= self.term(policy)?;
        }
        Some(allowed)
    }

    fn term(&mut self, policy: &Policy) -> Option<bool> {
        let token = self.peek()?.to_string();
        self.at += 1;
        let allowed = if token == "(" {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return None;
            }
            let inner = self.or(policy)?;
            if self.peek() != Some(")") {
                return None;
            }
            self.at += 1;
            self.depth -= 1;
            inner
        } else if matches!(
            token.to_ascii_uppercase().as_str(),
            "AND" | "OR" | "WITH" | ")"
        ) {
            return None;
        } else {
            policy.allows_id(&token)
        };
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("WITH")) {
            // The exception: judged by the licence it is attached to.
            self.at += 2;
        }
        Some(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], deny: &[&str]) -> Policy {
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        Policy::new(&strings(allow), &strings(deny)).unwrap()
    }

    #[test]
    fn or_is_a_choice_and_binds_every_part() {
        let copyleft = policy(&[], &["GPL-*", "AGPL-*"]);
        assert_eq!(
            copyleft.judge(Some("MIT AND GPL-3.0-only WITH GCC-exception-3.1")),
            Some(Breach::NotAllowed(Some("GPL-3.0-only".to_string())))
        );
        assert_eq!(copyleft.judge(Some("MIT")), None);
        assert_eq!(copyleft.judge(Some("MIT OR GPL-3.0-only")), None);
        assert!(matches!(
            copyleft.judge(Some("MIT AND GPL-3.0-only")),
            Some(Breach::NotAllowed(_))
        ));
        assert!(matches!(
            copyleft.judge(Some("(MIT OR Apache-2.0) AND agpl-3.0-or-later")),
            Some(Breach::NotAllowed(_))
        ));
        assert!(matches!(
            copyleft.judge(Some("GPL-2.0-or-later WITH Classpath-exception-2.0")),
            Some(Breach::NotAllowed(_))
        ));
        assert_eq!(copyleft.judge(None), None);
        assert_eq!(copyleft.judge(Some("LGPL-3.0-only")), None);
    }

    #[test]
    fn an_allowlist_refuses_the_unknown_and_the_unparsable() {
        let permissive = policy(&["MIT", "BSD-*", "Apache-2.0,ISC"], &[]);
        assert_eq!(permissive.judge(Some("Apache-2.0 OR BSD-3-Clause")), None);
        assert_eq!(permissive.judge(Some("isc")), None);
        assert!(matches!(
            permissive.judge(Some("MPL-2.0")),
            Some(Breach::NotAllowed(_))
        ));
        assert_eq!(permissive.judge(None), Some(Breach::Unknown));
        assert!(matches!(
            permissive.judge(Some("MIT AND (")),
            Some(Breach::NotAllowed(_))
        ));
        assert!(matches!(
            permissive.judge(Some("MIT GPL-3.0")),
            Some(Breach::NotAllowed(_))
        ));
        let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
        assert!(matches!(
            permissive.judge(Some(&deep)),
            Some(Breach::NotAllowed(_))
        ));
        assert!(Policy::new(&["MIT License".to_string()], &[]).is_err());
        assert!(Policy::new(&[String::new()], &[]).is_err());
        assert!(Policy::new(&[" , ".to_string()], &[]).is_err());
    }

    #[test]
    fn deprecated_gnu_ids_name_their_family() {
        let any_gpl3 = policy(&[], &["GPL-3.0"]);
        assert!(matches!(
            any_gpl3.judge(Some("GPL-3.0-or-later AND MIT")),
            Some(Breach::NotAllowed(_))
        ));
        assert!(matches!(
            any_gpl3.judge(Some("GPL-3.0-only")),
            Some(Breach::NotAllowed(_))
        ));
        assert_eq!(any_gpl3.judge(Some("GPL-2.0-only")), None);
        let later = policy(&[], &["GPL-3.0+"]);
        assert!(matches!(
            later.judge(Some("GPL-3.0-or-later")),
            Some(Breach::NotAllowed(_))
        ));
        assert_eq!(later.judge(Some("GPL-3.0-only")), None);
        let only = policy(&[], &["GPL-3.0-only"]);
        assert_eq!(only.judge(Some("GPL-3.0-or-later")), None);
    }
}
