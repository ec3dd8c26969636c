/**
 * Jupyter counts cursor positions in Unicode code points (protocol 5.2+); JavaScript strings
 * index UTF-16 code units. These convert between the two.
 */

/** UTF-16 code units of the code point at `index`: 2 where a surrogate pair starts, else 1. */
function unitsAt(text: string, index: number): number {
  const c = text.charCodeAt(index);
  return c >= 0xd800 && c <= 0xdbff && index + 1 < text.length ? 2 : 1;
}

/** UTF-16 index of the `codePoints`-th code point of `text` (clamped to the text). */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) {
    index += unitsAt(text, index);
  }
  return index;
}

/** Number of code points in `text` before UTF-16 index `index`. */
export function utf16ToCodePoints(text: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index && i < text.length; n++) {
    i += unitsAt(text, i);
  }
  return n;
}
