// `express4` is a devDependency alias of express@4 (npm:express@^4), so Express 4 and 5 can be
// tested side by side. Its runtime API is what the tests use of Express 5's types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
