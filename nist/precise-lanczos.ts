/**
 * The Lanczos model `b1·e^(−b2 x) + b3·e^(−b4 x) + b5·e^(−b6 x)` with residuals computed in
 * double-double arithmetic from the data's decimal text. Lanczos1's certified residuals are about
 * 1e-13, the size of the rounding errors of a double evaluation of the model and of the data
 * themselves (0.5 ulp of y ≈ 2e-16 each), so its residual sum of squares, and with it the
 * certified standard deviations, are only reproducible when the residuals are formed more
 * precisely than the model values. The fit itself is unchanged: it sees ordinary double residuals.
 */
import type { Model } from "../fit/model.js";
import { Parameter } from "../fit/parameter.js";
import { dd, ddAdd, ddExp, ddMul, ddParse, type DD } from "./double-double.js";

/** A NIST Lanczos model whose residuals are formed in double-double precision. */
export class PreciseLanczos implements Model {
  /** Model name in results. */
  name?: string;
  /** b1..b6. */
  readonly p: Parameter[];
  private readonly x: DD[];
  private readonly negY: DD[];

  /**
   * @param xText the predictor values as decimal text
   * @param yText the responses as decimal text
   * @param initial b1..b6 starting values
   */
  constructor(xText: string[], yText: string[], initial: ArrayLike<number>, name?: string) {
    if (initial.length !== 6) throw new Error("PreciseLanczos: 6 parameters expected");
    this.name = name;
    this.p = Array.from(initial, (v, j) => new Parameter(v, `b${j + 1}`));
    this.x = xText.map(ddParse);
    this.negY = yText.map((t) => {
      const v = ddParse(t);
      return { hi: -v.hi, lo: -v.lo };
    });
  }

  /** b1..b6. */
  parameters(): Parameter[] {
    return this.p;
  }

  /** Number of observations. */
  pointCount(): number {
    return this.x.length;
  }

  /** One residual per observation. */
  residualCount(): number {
    return this.x.length;
  }

  /** Unit weights (NIST gives no uncertainties). */
  hasUncertainties(): boolean {
    return false;
  }

  /** `f(x) − y` formed in double-double, rounded once at the end. */
  residuals(out: Float64Array, offset: number): void {
    const b = this.p.map((q) => q.value);
    for (let i = 0; i < this.x.length; i++) {
      const xi = this.x[i];
      let s = this.negY[i];
      for (let k = 0; k < 3; k++) {
        const t = ddMul(dd(-b[2 * k + 1]), xi);
        s = ddAdd(s, ddMul(dd(b[2 * k]), ddExp(t)));
      }
      out[offset + i] = s.hi + s.lo;
    }
  }

  /** Half the sum of squared residuals. */
  nllf(): number {
    const r = new Float64Array(this.x.length);
    this.residuals(r, 0);
    let s = 0;
    for (const v of r) s += v * v;
    return 0.5 * s;
  }
}
