import { describe, expect, it } from "vitest";
import { correlationTable, STRONG_CORRELATION } from "../../labextension/src/transforms/correlation.js";

describe("correlation table", () => {
  it("holds the lower triangle, two decimals, strong correlations flagged", () => {
    const table = correlationTable(["m", "b", "c"], [1, -0.871, 0.2, -0.871, 1, 0.95, 0.2, 0.95, 1]);
    expect(table).not.toBeNull();
    expect(table!.names).toEqual(["m", "b"]);
    expect(table!.rows.map((r) => r.name)).toEqual(["b", "c"]);
    expect(table!.rows[0].cells.map((c) => c.text)).toEqual(["-0.87"]);
    expect(table!.rows[1].cells.map((c) => c.text)).toEqual(["0.20", "0.95"]);
    expect(table!.rows[1].cells.map((c) => c.strong)).toEqual([false, true]);
    expect(0.95).toBeGreaterThanOrEqual(STRONG_CORRELATION);
  });

  it("shows undefined entries as a dash and writes -0.00 as 0.00", () => {
    const table = correlationTable(["a", "b"], [1, null, null, 1]);
    expect(table!.rows[0].cells[0]).toEqual({ text: "—", value: null, strong: false });
    expect(correlationTable(["a", "b"], [1, -0.001, -0.001, 1])!.rows[0].cells[0].text).toBe("0.00");
  });

  it("shows nothing for one parameter or a matrix of the wrong size", () => {
    expect(correlationTable(["a"], [1])).toBeNull();
    expect(correlationTable(["a", "b"], [1, 0, 0])).toBeNull();
    expect(correlationTable(["a", "b"], undefined)).toBeNull();
  });
});
