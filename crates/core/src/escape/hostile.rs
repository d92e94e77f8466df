//! Strings built to break out of a language: the fixed ones every escaping test
//! uses, and seeded pseudo-random ones over the characters that matter.

const FIXED: &[&str] = &[
    "",
    "plain",
    "a b",
    "it's",
    "\"quoted\"",
    "back\\slash",
    "line\nbreak",
    "cr\rlf\r\n",
    "tab\there",
    "$(touch /tmp/x)",
    "`id`",
    "${var.x}",
    "$${x}",
    "%{ if true }x%{ endif }",
    "%%{x}",
    "/$(touch${IFS}/tmp/x)/",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tlead tab",
    "<script>alert(1)</script>",
    "]]>",
    "a|b",
    "**bold** _it_ [link](http://x) ![i](y) <b>h</b>",
    "```\ncode\n```",
    "`` two ``",
    "# heading",
    "1. list",
    "\u{1b}[31mred\u{1b}[0m",
    "\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}",
    "\u{7}\u{8}\u{b}\u{c}\u{7f}",
    "\u{85}\u{9b}31m",
    "rtl \u{202e}evil\u{202c}",
    "é 中文 🦀",
    "\0nul",
    "'; DROP TABLE x; --",
    "EOT",
    "\nEOT\n",
];

/// The fixed strings and 300 seeded random ones (the same every run).
pub fn strings() -> Vec<String> {
    let mut out: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    let alphabet: Vec<char> =
        "ab Z9$%{}()`'\"\\\n\r\t;|&<>=+-@#*[]!_~^,.:/\u{1b}\u{7}\u{0}\u{7f}\u{85}\u{202e}é🦀"
            .chars()
            .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let len = (next() % 24) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        out.push(s);
    }
    out
}
