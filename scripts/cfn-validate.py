"""AWS's offline CloudFormation validator (the `cloudformation-validate` package, the one
`cdk synth` runs) over the templates named on the command line.

Prints every WARN, ERROR and FATAL diagnostic as `file: SEVERITY RULE message` and exits 1 when
there is any; INFO and DEBUG diagnostics are counted, not failed on. Exit 2 when the validator cannot load a
template.
Usage: python scripts/cfn-validate.py TEMPLATE...
"""

import collections
import sys

from cloudformation_validate import CompositeEngine


def main(paths):
    engine = CompositeEngine()
    failing = 0
    infos = collections.Counter()
    for path in paths:
        try:
            report = engine.validate_template(path)
        except Exception as err:  # noqa: BLE001 - any failure to read the template is fatal
            print(f"{path}: cannot validate: {err}", file=sys.stderr)
            return 2
        for d in report.diagnostics:
            severity = d.severity.name
            if severity not in ("INFO", "DEBUG"):
                failing += 1
                print(f"{path}: {severity} {d.rule_id} {d.message}")
            else:
                infos[d.rule_id] += 1
    summary = ", ".join(f"{rule} x{n}" for rule, n in sorted(infos.items())) or "none"
    print(f"cloudformation-validate: {len(paths)} template(s), {failing} warning(s) or worse; "
          f"informational: {summary}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
