import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from './csv.ts';

describe('CSV cells', () => {
  it.each([
    ['plain text stays as is', 'Dana Whitaker', 'Dana Whitaker'],
    ['a comma is quoted', 'Whitaker, Dana', '"Whitaker, Dana"'],
    ['quotes are doubled inside quotes', 'The "Oak" house', '"The ""Oak"" house"'],
    ['a line break is quoted', 'line 1\nline 2', '"line 1\nline 2"'],
    ['leading space is quoted so it survives', ' padded', '" padded"'],
    ['= formula is neutralised', '=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+ formula is neutralised', '+1+1', "'+1+1"],
    ['- formula is neutralised', '-2+3', "'-2+3"],
    ['@ formula is neutralised', '@SUM(A1)', "'@SUM(A1)"],
    ['tab start is neutralised', '\t=1', `'\t=1`],
    ['carriage return start is neutralised and quoted', '\r=1', `"'\r=1"`],
    ['a formula after leading spaces is neutralised', '  =1+1', "'  =1+1"],
    ['full-width ＝ is neutralised', '＝1+1', "'＝1+1"],
    ['full-width ＋ － ＠ are neutralised', '＋1 －1 ＠A1', "'＋1 －1 ＠A1"],
    ['an = later in the text is harmless', 'a=b', 'a=b'],
    ['a space before ordinary text only quotes', ' a=b', '" a=b"'],
    ['empty string', '', ''],
    ['null is empty', null, ''],
    ['numbers are written plainly, even negative', -5, '-5'],
  ])('%s', (_name, input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('joins a record with commas and ends it with CRLF', () => {
    expect(csvRow(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
  });
});
