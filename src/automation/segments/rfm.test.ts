import { describe, expect, it } from 'vitest';
import { RFM_GROUPS, rfmGroup } from './rfm.ts';

describe('RFM groups', () => {
  it.each([
    [5, 5, 5, 'Champions'],
    [4, 4, 5, 'Champions'],
    [3, 5, 4, 'Loyal'],
    [5, 2, 3, 'Potential Loyalists'],
    [5, 1, 1, 'New'],
    [4, 1, 1, 'Promising'],
    [3, 3, 3, 'Need Attention'],
    [3, 1, 2, 'About to Sleep'],
    [1, 5, 5, "Can't Lose Them"],
    [2, 4, 3, 'At Risk'],
    [2, 1, 2, 'Hibernating'],
    [1, 1, 1, 'Lost'],
  ] as const)('%i%i%i → %s', (r, f, m, group) => expect(rfmGroup(r, f, m)).toBe(group));

  it('names every one of the 125 codes, and uses every name', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) seen.add(rfmGroup(r, f, m));
    expect([...seen].sort()).toEqual([...RFM_GROUPS].sort());
  });
});
