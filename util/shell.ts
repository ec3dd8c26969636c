/** A word that needs no quoting in a POSIX shell: nothing in it is expanded or splits it. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes `word` for a POSIX shell (sh, bash): a plain word stays as it is, anything else goes in
 * single quotes, inside which nothing is expanded. The empty string becomes `''`.
 */
export function shellQuote(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
