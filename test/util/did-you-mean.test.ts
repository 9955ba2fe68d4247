import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../src/util/did-you-mean.js';

describe('did you mean', () => {
  const known = ['trustAnchors', 'intermediates', 'pins', 'pinFile', 'identities', 'identitiesFile', 'clockSkewSeconds'];
  it('suggests the closest known name for typos, case and separator slips', () => {
    expect(closestName('trustAnchor', known)).toBe('trustAnchors');
    expect(closestName('trust_anchors', known)).toBe('trustAnchors');
    expect(closestName('pinfile', known)).toBe('pinFile');
    expect(closestName('intermediate', known)).toBe('intermediates');
    expect(closestName('clockSkew', known)).toBe('clockSkewSeconds');
    expect(didYouMean('pnis', known)).toBe(' (did you mean "pins"?)');
  });
  it('stays quiet when nothing is close', () => {
    expect(closestName('banana', known)).toBeUndefined();
    expect(didYouMean('x', [])).toBe('');
  });
  it('counts a swap of adjacent letters as one edit', () => {
    expect(editDistance('pnis', 'pins')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
