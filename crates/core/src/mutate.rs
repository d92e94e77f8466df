//! Deterministic input mutation for the parsers' property tests: from a valid
//! input (a fixture), inputs a careless tool, a cut download or an attacker could
//! produce. Every parser of outside input is run on them in its crate's tests
//! (inventory JSON, TOML config, `--format-fields`, flow-log files, Terraform,
//! CloudFormation, Terraform plan JSON, the fix journal and the scan checkpoint):
//! none may panic, and each rejection must be a message.
//!
//! Not a fuzzer (the cargo-fuzz target in `fuzz/` explores the flow-log reader
//! with coverage); a fixed, repeatable sample that runs in every `cargo test`.

/// Tokens that parsers treat specially, spliced into inputs.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"\\",
    b"\n",
    b"\r\n",
    b"\0",
    b"=",
    b":",
    b",",
    b"${",
    b"#",
    b"-1",
    b"0",
    b"4294967296",
    b"99999999999999999999999",
    b"1e400",
    b"null",
    b"true",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xae",
    b"\xff\xfe",
    b"\t",
    b"<<EOF\n",
    b"!Ref",
    b"&anchor",
    b"*anchor",
];

/// A small, seeded xorshift generator: the same seed gives the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// `count` mutations of `input` (each one to four edits: a byte flipped, a span
/// cut, a token spliced in, a span repeated, or the tail cut off), the same
/// for the same `seed`.
pub fn mutations(input: &[u8], count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed | 1);
    (0..count)
        .map(|_| {
            let mut out = input.to_vec();
            for _ in 0..=rng.below(4) {
                edit(&mut out, &mut rng);
            }
            out
        })
        .collect()
}

fn edit(out: &mut Vec<u8>, rng: &mut Rng) {
    let len = out.len();
    let at = rng.below(len + 1);
    match rng.below(5) {
        0 if len > 0 => {
            let i = rng.below(len);
            out[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let end = (at + 1 + rng.below(16)).min(len);
            out.drain(at.min(end)..end);
        }
        2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            out.splice(at..at, token.iter().copied());
        }
        3 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64)).min(len);
            let span = out[start..end].to_vec();
            out.splice(at..at, span);
        }
        _ => out.truncate(at),
    }
}

/// Asserts that a parser's rejection reads as a message: not empty, and not a
/// Rust Debug dump of an error type.
pub fn assert_message(error: &str, input: &[u8]) {
    assert!(
        !error.trim().is_empty(),
        "empty error for {:?}",
        String::from_utf8_lossy(input)
    );
    for debug in ["Error {", "kind: ", "Custom {", "Os {"] {
        assert!(
            !error.contains(debug),
            "Debug dump in the error ({debug}): {error}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_repeatable_and_differ() {
        let input = br#"{"a": [1, 2, 3], "b": "text"}"#;
        let one = mutations(input, 50, 7);
        assert_eq!(one, mutations(input, 50, 7));
        assert_ne!(one, mutations(input, 50, 8));
        assert!(one.iter().filter(|m| m.as_slice() != input).count() > 40);
    }

    /// The inventory parser on mutated demo inventories: never a panic, and a
    /// rejection is a message naming the origin.
    #[test]
    fn the_inventory_parser_survives_mutated_inventories() {
        let text = crate::demo::INVENTORY_JSON.as_bytes();
        let mut rejected = 0;
        for input in mutations(text, 400, 1) {
            let text = String::from_utf8_lossy(&input);
            if let Err(e) = crate::load::parse_inventory(&text, "mutated.json") {
                rejected += 1;
                let e = e.to_string();
                assert_message(&e, &input);
                assert!(e.contains("mutated.json"), "{e}");
            }
        }
        assert!(rejected > 100, "only {rejected} of 400 rejected");
    }
}
