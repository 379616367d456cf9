// Hostile text the bad-input suites send: test/hostile-corpus.int.test.ts (every write route) and
// api/routes/leads-import.int.test.ts (the cells of an imported file).

/** Strings from the Big List of Naughty Strings and friends, plus what plainText must refuse. */
export const NAUGHTY_STRINGS = [
  '', ' ', '\t', '\n\r\n', 'undefined', 'null', 'NaN', 'true', '0', '-0', '1e309', '0x41', '9'.repeat(400),
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', "'; DROP TABLE leads; --", "' OR '1'='1",
  '{{7*7}}', `$${'{7*7}'}`, '#{7*7}', `$${'{jndi:ldap://127.0.0.1/a}'}`, '../../../../etc/passwd', '%00', '%2e%2e%2f', '\\\\?\\C:\\',
  '=HYPERLINK("http://x","y")', '+1+1', '@SUM(1)', '-2+3', '\u0000', 'a\u0000b', '\u0001\u0002\u0003', '\u0007\u0008\u001b[31m',
  '\u007f', '\u0085', '\u2028\u2029', '\uD800', 'x\uDFFFy', '\uDBFF\uDBFF', '\uFEFF', '\u202Eevil\u202C', '\u200B\u200C\u200D',
  'Ω≈ç√∫˜µ≤≥÷', '田中さんにあげて下さい', '👨‍👩‍👧‍👦🏳️‍🌈', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', 'ﷺ', '𝕿𝖍𝖊', '١٢٣', 'ｐｏｒｃｈ',
  'a'.repeat(256), 'a'.repeat(5_000), 'x@x', 'a@b.c\r\nBcc: victim@example.com', 'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:6379/', 'file:///etc/passwd', 'gopher://127.0.0.1:25/', 'https://[::1]/', 'https://0x7f000001/',
  // Well-formed times outside what a stored time may be (year 0000 is a BC date in Postgres).
  '0000-06-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59Z', '2026-02-30T10:00:00Z',
];
