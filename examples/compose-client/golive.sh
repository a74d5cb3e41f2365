# Goes live with $CPP_OFFER of $CPP_PUBLISHER on the mock at $CPP_URL, then polls host +
# Location (as azure-img-utils and mash do) until the operation ends. Exit 0 on `complete`.
set -eu
url=${CPP_URL:-http://cppmock:8080}
publisher=${CPP_PUBLISHER:-contoso}
offer=${CPP_OFFER:-ready-to-go-live}
auth="Authorization: Bearer compose-client"

headers=$(busybox wget -S -q -O /dev/null --header "$auth" --post-data '' \
    "$url/api/publishers/$publisher/offers/$offer/golive?api-version=2017-10-31" 2>&1) || {
    echo "go-live refused: $headers"
    exit 1
}
location=$(echo "$headers" | busybox sed -n 's/^ *[Ll]ocation: *//p' | busybox tr -d '\r')
[ -n "$location" ] || { echo "no Location header in: $headers"; exit 1; }
echo "go-live accepted: $location"

i=0
while [ "$i" -lt 200 ]; do
    body=$(busybox wget -q -O - --header "$auth" "$url$location")
    # The operation object starts {"id":…,"submissionType":…,"status":…
    status=$(echo "$body" | busybox sed -n 's/^{"id":"[^"]*","submissionType":"[^"]*","status":"\([A-Za-z]*\)".*/\1/p')
    case "$status" in
        complete) echo "go-live complete"; exit 0 ;;
        running) ;;
        *) echo "go-live ended '$status': $body"; exit 1 ;;
    esac
    i=$((i + 1))
    busybox sleep 0.1
done
echo "go-live still running after $i polls"
exit 1
