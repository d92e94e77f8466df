//! POSIX shell words (bash, zsh, dash): a word is left bare only when it is made
//! of characters no shell gives a meaning to (and does not start with `=`, which
//! zsh expands, or `~`); anything else is single-quoted, in which no shell
//! expands anything, with `'` written as `'\''`. Quoting does not change argv, so
//! a value that starts with `-` is an option to the program either way: values
//! are validated where they enter, not here.

/// One shell word that stands for exactly `s`.
pub fn word(s: &str) -> String {
    let bare = !s.is_empty()
        && !s.starts_with(['=', '~'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if bare {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A command line: every word quoted by [`word`], joined by spaces.
pub fn command<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    words
        .into_iter()
        .map(|w| word(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text for a `# comment`: one line whatever `s` holds (line breaks and other
/// control characters are shown, never written), so it cannot end the comment.
pub fn comment(s: &str) -> String {
    super::terminal::show(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{command, word};
    use crate::escape::hostile;

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_quoted() {
        assert_eq!(word("/aws/vpc-flow-logs/vpc-1"), "/aws/vpc-flow-logs/vpc-1");
        assert_eq!(word("a b"), "'a b'");
        assert_eq!(word("it's"), r"'it'\''s'");
        assert_eq!(word(""), "''");
        assert_eq!(word("=cmd"), "'=cmd'");
        assert_eq!(word("$(id)"), "'$(id)'");
        assert_eq!(command(["aws", "x y"]), "aws 'x y'");
    }

    /// Round trip through bash itself: every hostile string, quoted, comes back
    /// from `printf '%s\0'` byte for byte, and nothing else runs.
    #[test]
    fn bash_reads_every_quoted_word_back() {
        let dir = std::env::temp_dir().join(format!("flowaudit-shell-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let canary = dir.join("ran");
        let mut inputs = hostile::strings();
        inputs.push(format!("$(touch {})", canary.display()));
        inputs.push(format!("`touch {}`", canary.display()));
        inputs.push(format!("x; touch {}", canary.display()));
        // bash cannot hold a NUL in a word: no AWS name can either.
        inputs.retain(|s| !s.contains('\0'));
        let script = format!("printf '%s\\0' {}", command(&inputs));
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back: Vec<String> = out
            .stdout
            .split(|b| *b == 0)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        assert_eq!(&back[..inputs.len()], &inputs[..]);
        assert!(!canary.exists(), "a quoted word ran a command");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
