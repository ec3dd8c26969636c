/**
 * Double-double arithmetic (a value as an unevaluated sum hi + lo of two doubles, about 32
 * significant digits): error-free transformations of Knuth (TwoSum) and Dekker (TwoProduct by
 * splitting), T. J. Dekker, "A floating-point technique for extending the available precision",
 * Numer. Math. 18, 1971; and Y. Hida, X. S. Li, D. H. Bailey, "Algorithms for quad-double
 * precision floating point arithmetic", ARITH-15, 2001. Used where a model's residuals are at the
 * rounding level of double precision (NIST's Lanczos1).
 */

/** A double-double number hi + lo with |lo| ≤ ulp(hi)/2. */
export interface DD {
  hi: number;
  lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1

function split(a: number): [number, number] {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** Exact product of two doubles as hi + lo. */
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return { hi: p, lo: e };
}

/** Exact sum of two doubles as hi + lo. */
export function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  const e = a - (s - bb) + (b - bb);
  return { hi: s, lo: e };
}

function renorm(hi: number, lo: number): DD {
  const s = hi + lo;
  return { hi: s, lo: lo - (s - hi) };
}

/** a + b. */
export function ddAdd(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  let lo = s.lo + t.hi;
  const u = renorm(s.hi, lo);
  lo = t.lo + u.lo;
  return renorm(u.hi, lo);
}

/** a · b. */
export function ddMul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return renorm(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

/** a / b for doubles a, b, to double-double precision. */
export function ddDivide(a: number, b: number): DD {
  const q1 = a / b;
  const p = twoProd(q1, b);
  const r = a - p.hi - p.lo;
  return renorm(q1, r / b);
}

/** a / b for a double-double a and a double b. */
export function ddDivideBy(a: DD, b: number): DD {
  const q1 = a.hi / b;
  const p = twoProd(q1, b);
  const r = (a.hi - p.hi - p.lo + a.lo) / b;
  return renorm(q1, r);
}

/** A double as a double-double. */
export function dd(a: number): DD {
  return { hi: a, lo: 0 };
}

const LN2: DD = { hi: 0.6931471805599453, lo: 2.3190468138462996e-17 };

/** exp(a) in double-double: a = k ln2 + r, r scaled by 2⁻¹⁰, Taylor series, then squared back. */
export function ddExp(a: DD): DD {
  const k = Math.round(a.hi / LN2.hi);
  let r = ddAdd(a, ddMul(dd(-k), LN2));
  r = { hi: r.hi / 1024, lo: r.lo / 1024 };
  // Taylor series of exp(r) − 1 for |r| < 3.4e-4: 12 terms reach well below 1e-32.
  let term: DD = r;
  let sum: DD = r;
  for (let i = 2; i <= 12; i++) {
    term = ddDivideBy(ddMul(term, r), i);
    sum = ddAdd(sum, term);
  }
  // (1 + s)² − 1 = 2s + s², applied ten times keeps the small part accurate.
  for (let i = 0; i < 10; i++) sum = ddAdd(ddMul(dd(2), sum), ddMul(sum, sum));
  const e = ddAdd(sum, dd(1));
  const scale = 2 ** k;
  return { hi: e.hi * scale, lo: e.lo * scale };
}

/** A decimal literal (e.g. "2.044333373291E+00") to double-double, exact to ~32 digits. */
export function ddParse(text: string): DD {
  const m = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a decimal number: ${text}`);
  const digits = (m[2] + m[3]).replace(/^0+/, "") || "0";
  if (digits.length > 15) throw new Error(`too many digits for an exact double-double parse: ${text}`);
  const exp10 = Number(m[4] ?? 0) - m[3].length;
  const mant = Number(digits) * (m[1] === "-" ? -1 : 1);
  if (exp10 >= 0) return twoProd(mant, 10 ** exp10);
  if (-exp10 > 22) throw new Error(`exponent out of range for an exact parse: ${text}`);
  return ddDivide(mant, 10 ** -exp10);
}
