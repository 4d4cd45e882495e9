#!/usr/bin/env bash
# The walk-through a new user takes, against a caregate running on the
# embedded default (deploy/run.sh). Each step is one caregatectl command;
# README.md shows the same commands. Run from the repository root:
#   deploy/walkthrough.sh [ADDRESS] [DATA_DIR]
# Exits non-zero at the first step that does not behave as described.
set -euo pipefail
cd "$(dirname "$0")/.."
ADDRESS="${1:-127.0.0.1:7443}"
DATA_DIR="${2:-./caregate-data}"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
ctl() { "${CAREGATE_BUILD_DIR:-build}/cli/caregatectl" --address "$ADDRESS" "$@"; }
step() { printf '\n== %s\n' "$*"; }
# Shows the lines after the first match of a pattern in a command's output.
show() { local out; out=$("${@:3}"); grep -m1 -A"$2" -- "$1" <<<"$out"; }

PERSON=9991047298      # a synthetic demo person, registered at practice A99001
UNCONSENTED=9991047301 # another, for whom nobody has recorded consent

step "Mint tokens with the demo issuer (social worker, GP, INT member, privacy officer)"
SW=$(ctl token --role social_worker --user sw-001 --org X99LA --data-dir "$DATA_DIR")
GP=$(ctl token --role gp --user gp-001 --org A99001 --data-dir "$DATA_DIR")
INT=$(ctl token --role int_member --user int-001 --org INT-NORTH --data-dir "$DATA_DIR")
PO=$(ctl token --role privacy_officer --user po-001 --org X99LA --data-dir "$DATA_DIR")

step "Record the person's consent, in each direction"
for direction in gp-to-social-care social-care-to-gp integrated-team; do
  show 'direction:' 1 ctl --token "$SW" consent record --nhs-number "$PERSON" --direction "$direction" \
    --decision permit --decided-by person --method verbal
done

step "A social worker pulls the GP summary"
show 'medications {' 3 ctl --token "$SW" get gp-summary --nhs-number "$PERSON"

step "A GP pulls the social care summary"
show 'allocated_workers {' 6 ctl --token "$GP" get social-care-summary --nhs-number "$PERSON"

step "An INT member pulls the combined profile, with the identity cross-check"
show 'identity_check {' 18 ctl --token "$INT" get combined-profile --nhs-number "$PERSON"

step "Without consent the view is refused"
if ctl --token "$SW" get gp-summary --nhs-number "$UNCONSENTED" 2>"$SCRATCH/refused.txt"; then
  echo "expected a refusal" >&2; exit 1
fi
grep NO_CONSENT "$SCRATCH/refused.txt"

step "A GP uses emergency access (recorded for a privacy officer's review)"
show 'basis:' 0 ctl --token "$GP" get social-care-summary --nhs-number "$UNCONSENTED" \
  --emergency emergency-treatment --justification "Collapsed at home, unable to consent"
show 'access {' 12 ctl --token "$PO" audit emergency --state awaiting

step "The person's access report, every inclusion proof checked"
report=$(ctl --token "$PO" audit report --nhs-number "$PERSON"); tail -3 <<<"$report"

step "Save a signed tree head and verify the whole log offline"
ctl --token "$PO" audit tree-head --out "$SCRATCH/tree-head.json" \
  --public-key-out "$SCRATCH/audit-key.pem"
ctl audit verify --db "$DATA_DIR/audit.db" --tree-head "$SCRATCH/tree-head.json" \
  --public-key "$SCRATCH/audit-key.pem"
printf '\nwalk-through complete\n'
