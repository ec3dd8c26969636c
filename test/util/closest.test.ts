// "Did you mean": the closest known word by edit distance, none when nothing is near.
import { describe, expect, test } from "vitest";
import { closest, editDistance } from "../../util/closest.js";

describe("closest", () => {
  test("edit distance counts insertions, deletions, substitutions and swaps of neighbours", () => {
    expect(editDistance("samples", "samples")).toBe(0);
    expect(editDistance("smaples", "samples")).toBe(1);
    expect(editDistance("sample", "samples")).toBe(1);
    expect(editDistance("sanples", "samples")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("Samples", "samples")).toBe(0);
  });

  test("names the closest word, or none when every word is far", () => {
    expect(closest("smaples", ["steps", "samples", "seed"])).toBe("samples");
    expect(closest("partcles", ["particles", "moves"])).toBe("particles");
    expect(closest("xyz", ["samples", "burn"])).toBeUndefined();
    expect(closest("a", [])).toBeUndefined();
  });
});
