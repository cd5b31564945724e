#!/usr/bin/env python3
"""hostile-config.py OUT PWN: a grid search over hyperparameter values (and
a name, and entrypoint arguments) that would run `touch PWN` if any of them
were ever spliced into shell text.  json.dumps writes YAML-compatible
double-quoted scalars, escapes and all; OUT.vals gets the values."""
import json
import sys

out, pwn = sys.argv[1:3]
vals = ["$(touch %s)" % pwn, "`touch %s`" % pwn, "; touch %s;" % pwn,
        "a\nb\n$(touch %s)" % pwn, "it's \"q\" '$(touch %s)'" % pwn,
        "$HOME ${IFS} \\ * ? ~ | & > %s" % pwn, "-rf --help",
        "\u00e9\u4e2d\u0001\t", "%n%s%x", "x" * 3000]
q = json.dumps
with open(out, "w") as f:
    f.write("name: %s\n" % q("../../escape/$(touch %s)/" % pwn))
    f.write("hyperparameters:\n")
    f.write("  cmd: {type: categorical, vals: [%s]}\n" % ", ".join(q(v) for v in vals))
    f.write("  %s: {type: const, val: %s}\n" % (q("we;ird $(touch %s) name" % pwn), q("x|y&z `id`")))
    f.write("searcher: {name: grid, metric: loss, smaller_is_better: true, "
            "max_length: {batches: 2}, max_concurrent_trials: 4}\n")
    f.write("entrypoint: [python3, %s, %s]\n" % (q("the train.py"), q("$(touch %s)" % pwn)))
with open(out + ".vals", "w") as f:
    json.dump(vals, f)
