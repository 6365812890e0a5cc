#!/bin/sh
# eslint (stylish) output with one error: a permanent failure.
cat <<OUT

$(pwd)/src/app.ts
  4:7  error    'total' is assigned a value but never used  @typescript-eslint/no-unused-vars
  12:1 warning  Unexpected console statement                 no-console

✖ 2 problems (1 error, 1 warning)
OUT
exit 1
