import assert from 'node:assert/strict';
import { defaultClassifier, headlineOf } from '../../../../src/engine/classify';

const title = (output: string, exitCode = 1) => headlineOf(output, defaultClassifier.classify({ output, exitCode }).evidence);

describe('headlineOf (issue titles)', () => {
  it("is the error's own headline for every family", () => {
    assert.equal(title('src/port.ts(1,14): error TS2322: Type \'string\' is not assignable to type \'number\'.', 2), "error TS2322: Type 'string' is not assignable to type 'number'.");
    assert.equal(title('Traceback (most recent call last):\n  File "/w/a.py", line 5, in f\n    return os.environ["DATABASE_URL"]\nKeyError: \'DATABASE_URL\''), "KeyError: 'DATABASE_URL'");
    assert.equal(title('Exception in thread "main" java.lang.NullPointerException\n\tat App.main(App.java:8)'), 'java.lang.NullPointerException');
    assert.equal(title("thread 'main' panicked at src/main.rs:4:40:\ncalled `Result::unwrap()` on an `Err` value: NotPresent", 101), 'panicked: called `Result::unwrap()` on an `Err` value: NotPresent');
    assert.equal(title('panic: assignment to entry in nil map\n\ngoroutine 1 [running]:', 2), 'panic: assignment to entry in nil map');
    assert.equal(title("/w/lib/jobs.js:3\n    throw new Error('job name is required');\n    ^\n\nError: job name is required\n    at run (/w/lib/jobs.js:3:11)\n\nNode.js v20.20.2"), 'Error: job name is required');
    assert.equal(title("bad.c:1:28: error: 'y' undeclared (first use in this function)"), "error: 'y' undeclared (first use in this function)");
    assert.equal(title('curl: (22) The requested URL returned error: 503', 22), 'curl: (22) The requested URL returned error: 503');
    assert.equal(title('npm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:'), 'Missing script: "build"');
  });

  it('is the most telling line of output nothing explained (and that line is the evidence)', () => {
    const c = defaultClassifier.classify({ output: 'starting\nloading 3 items\nthe frobnicator jammed: cannot continue\ndone', exitCode: 3 });
    assert.equal(c.code, 'RB-EXEC-001');
    assert.equal(c.evidence, 'the frobnicator jammed: cannot continue');
    assert.equal(headlineOf('', undefined), undefined);
  });
});
