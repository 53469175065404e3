#!/usr/bin/env bash
# The "env promotion and safe rollback" workflow, end to end, with the revledger CLI.
#
#   make demo                  # sets up .venv, then runs this script
#   bash scripts/demo.sh       # if revledger is already installed in .venv
#
# Every run starts from an empty data directory ($DEMO_HOME, default .revledger-demo),
# so it can be re-run as often as you like. Nothing outside that directory is touched.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

REVLEDGER="${REVLEDGER:-.venv/bin/revledger}"
PYTHON="$(dirname "$REVLEDGER")/python"
export REVLEDGER_RUNNER="${REVLEDGER_RUNNER:-$PYTHON examples/runner.py}"  # the example smoke runner
DEMO_HOME="${DEMO_HOME:-.revledger-demo}"
EXAMPLE=examples/invoice-parser
SCRIPT=invoice-parser

if [ ! -x "$REVLEDGER" ]; then
    echo "demo: $REVLEDGER not found; run 'make demo' (it installs revledger into .venv first)" >&2
    exit 1
fi

case "$DEMO_HOME" in
    "" | / | . | .. | "${HOME:-/}")
        echo "demo: refusing to use DEMO_HOME='$DEMO_HOME' (it is wiped on every run)" >&2
        exit 1 ;;
esac

# A throwaway store, wiped on every run. The inner .gitignore keeps it out of git.
rm -rf -- "$DEMO_HOME"
mkdir -p -- "$DEMO_HOME"
printf '*\n' > "$DEMO_HOME/.gitignore"
export REVLEDGER_HOME="$DEMO_HOME"
export REVLEDGER_ORG=acme
unset REVLEDGER_ACTOR  # each step below names its actor with --actor

if [ -t 1 ]; then BOLD=$'\033[1m' DIM=$'\033[2m' OFF=$'\033[0m'; else BOLD='' DIM='' OFF=''; fi

step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }

# Print a command the way you would type it, then run it.
run() {
    local shown="revledger" arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./,:=@%+-]+$ ]]; then shown+=" $arg"; else shown+=" \"$arg\""; fi
    done
    printf '%s$ %s%s\n' "$DIM" "$shown" "$OFF"
    "$REVLEDGER" "$@"
}

echo "revledger demo: data in $DEMO_HOME (REVLEDGER_HOME), organization $REVLEDGER_ORG"

step "1. Register the script"
run script create "$SCRIPT" --description "Extract vendor, total and due date from invoices" \
    --tags billing,llm --actor alice

step "2. Tenant variables: defaults for every environment, then the production baseline"
run env import "$EXAMPLE/.env.base" --actor alice -o json
run env import "$EXAMPLE/.env.prod" --environment production --actor alice
run env set LOG_LEVEL debug --environment development --actor alice
run env get OPENAI_API_KEY --environment production -o json   # a secret: masked, with a fingerprint

step "3. Script overlay: this script's own values (an empty value defers to the layer below)"
run overlay update "$SCRIPT" --set TEMPERATURE=0.0 --set MAX_PAGES=20 --actor alice
run overlay update "$SCRIPT" --environment production --set MAX_PAGES=50 --set MODEL= --actor alice

step "4. Save the workflow (YAML blocks with {{ env.X }} references) as a draft and publish v1"
run draft save "$SCRIPT" -f "$EXAMPLE/v1.yaml" --actor alice
run draft publish "$SCRIPT" --name initial --note "extract vendor, total, due date" --actor alice -o json

step "5. Promote v1: development -> staging -> production (gates checked at each step)"
run promote "$SCRIPT" --version 1 --to development --actor alice
run promote "$SCRIPT" --version 1 --to staging --actor alice -o json
run promote "$SCRIPT" --version 1 --to production --expect-current none \
    --reason "first release" --actor bob -o json

BEFORE_V2="$("$PYTHON" -c 'from datetime import datetime, UTC; print(datetime.now(UTC).isoformat())')"

step "6. Publish v2, see what it changes, plan the promotion, then promote it the same way"
run draft save "$SCRIPT" -f "$EXAMPLE/v2.yaml" --actor alice
run draft publish "$SCRIPT" --name add-urgency --note "classify urgency" --actor alice -o json
run diff "$SCRIPT" 1 2
run promote "$SCRIPT" --version 2 --to production --dry-run
run promote "$SCRIPT" --version 2 --to development --actor alice -o json
run promote "$SCRIPT" --version 2 --to staging --actor alice -o json
run promote "$SCRIPT" --version 2 --to production --expect-current 1 \
    --reason "urgency checked in staging" --actor bob -o json

step "7. Incident: roll production back to the version it ran before (--to 0)"
run version rollback "$SCRIPT" --to 0 --incident INC-1 \
    --reason "urgency labels wrong for EU dates" --actor carol -o json

step "8. A stale writer who still thinks production runs v2 is refused (exit code 3)"
set +e
run promote "$SCRIPT" --version 2 --to production --expect-current 2 --actor dave
code=$?
set -e
if [ "$code" -ne 3 ]; then
    echo "demo: expected exit code 3 (conflict), got $code" >&2
    exit 1
fi
echo "exit code $code: nothing changed"

step "9. Rollback checklist: smoke-run the rolled-back version, pinned, with the effective env"
run run "$SCRIPT" --environment production --version 1 --env --input "@$EXAMPLE/smoke.json" \
    --result --save "$DEMO_HOME/smoke-INC-1" --actor carol
run runs list "$SCRIPT"

step "10. What ran when, and who moved it"
run history "$SCRIPT" --environment production
run at "$SCRIPT" --environment production --time "$BEFORE_V2"
run at "$SCRIPT" --environment production --time now
run status
run audit --incident INC-1

step "11. Where things stand"
run script get "$SCRIPT"
run version list "$SCRIPT"
run version get "$SCRIPT" 0          # version 0 = the version production runs
run config resolve "$SCRIPT" --environment production -o yaml

printf '\nDone. Explore the same store with:\n  REVLEDGER_HOME=%s REVLEDGER_ORG=%s %s script get %s\n' \
    "$DEMO_HOME" "$REVLEDGER_ORG" "$REVLEDGER" "$SCRIPT"

if [ "${DEMO_SERVE:-1}" = "0" ]; then exit 0; fi

step "12. Serve the API over this history (Ctrl-C to stop)"
TOKEN="$("$REVLEDGER" token create --org "$REVLEDGER_ORG" --role admin --name "demo-admin-$(date +%s)" \
    --actor demo -o json | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
URL="http://${DEMO_HOST:-127.0.0.1}:${DEMO_PORT:-8080}"
cat <<INFO
API:        $URL   (docs: $URL/docs)
Admin token (shown once): $TOKEN
Try:
  curl -s $URL/health
  curl -s -H "Authorization: Bearer $TOKEN" -H "x-organization-id: $REVLEDGER_ORG" \\
       "$URL/v1/scripts/$SCRIPT/environments/production/at?time=now"
INFO
exec "$REVLEDGER" serve --host "${DEMO_HOST:-127.0.0.1}" --port "${DEMO_PORT:-8080}"
