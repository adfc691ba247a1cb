#!/usr/bin/env bash
# A short tour of staylab-cli on a fresh data directory: listings, bookings,
# a refused double booking, an idempotent retry and a cancellation.
set -uo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=${STAYLAB_CLI:-${STAYLAB_BUILD_DIR:-$repo_root/build}/app/staylab-cli}
data=$(mktemp -d "${TMPDIR:-/tmp}/staylab-demo-XXXXXX")

step() { printf '\n\033[1m$ staylab-cli %s\033[0m\n' "$*"; "$cli" --data "$data" "$@"; local rc=$?; [ $rc -eq 0 ] || echo "(exit code $rc)"; }
json() { "$cli" --data "$data" --json "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

echo "Staylab demo: data directory $data"
loft=$(json property create --host ana --title "Sunny loft by the river" --city Lisbon \
  --price 95.00 --currency EUR --capacity 3 --amenity wifi --amenity kitchen \
  --description "Two rooms over the Tagus, five minutes from the tram." | field id)
cabin=$(json property create --host ben --title "Cabin with a sauna" --city Oslo \
  --price 1450 --currency NOK --capacity 5 --amenity sauna | field id)
step property list
step property get "$loft"
step book --property "$loft" --guest carla --from 2027-06-01 --to 2027-06-05 --guests 2 --key carla-june
echo "A retry with the same idempotency key gets the first answer:"
step book --property "$loft" --guest carla --from 2027-06-01 --to 2027-06-05 --guests 2 --key carla-june
echo "Overlapping nights are refused (exit code 1):"
step book --property "$loft" --guest dev --from 2027-06-04 --to 2027-06-07
echo "The check-out day is free for the next guest:"
step book --property "$loft" --guest dev --from 2027-06-05 --to 2027-06-07
echo "Bad input names the field and the rule (exit code 2):"
step book --property "$cabin" --guest erin --from 2027-07-10 --to 2027-07-08
step property create --host ana --title "Too precise" --city Lisbon --price 10.999 --currency EUR --capacity 2
booking=$(json bookings list --guest dev | python3 -c "import json,sys; print(next(b['booking_id'] for b in json.load(sys.stdin) if b['status'] == 'confirmed'))")
step cancel "$booking"
step bookings list
echo
echo "Data kept in $data"

echo
echo "Now a seeded data set: 300 listings, a year of bookings, planted fraud."
step seed --properties 300 --seed 7
step search loft --city Lisbon --from 2027-06-01 --to 2027-06-04 --guests 2 --sort price
step fraud report
step events tail --limit 6
step check
