#!/bin/sh
# A compile that fails permanently, with tsc-style problems Rebound turns into diagnostics.
echo "src/app.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'."
echo "src/app.ts(9,3): error TS2304: Cannot find name 'retriesLeft'."
echo "Found 2 errors in the same file, starting at: src/app.ts:4"
exit 2
