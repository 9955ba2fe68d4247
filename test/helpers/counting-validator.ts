/** The real path validator, counting its calls (to test what the gate's caches save). */
import { createPathValidator, type ChainValidator, type ChainValidatorConfig } from '../../src/core/validator.js';

export function countingValidator(): { factory: (config: ChainValidatorConfig) => ChainValidator; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    factory: (config) => {
      const inner = createPathValidator(config);
      return {
        validate(leaf, candidates, at) {
          calls += 1;
          return inner.validate(leaf, candidates, at);
        },
      };
    },
  };
}
