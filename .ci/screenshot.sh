#!/usr/bin/env bash
# Render report.html in a real browser and check that something was drawn.
#
# Generates a report from the reports package's test data with
# `go run ./cmd/lockbench report`, takes a headless Chromium screenshot of it
# and fails if the PNG is missing or blank (one colour, or trivially small).
# Chromium comes from Debian; where it cannot be installed the script says
# so plainly and exits 0: the HTML itself is checked by the reports tests.
#
# Usage: .ci/screenshot.sh [OUTDIR]   (default: a new temporary directory)
# The screenshot is OUTDIR/report.png; the report is OUTDIR/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-$(mktemp -d)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

browser=""
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		browser=$b
		break
	fi
done
if [[ -z "$browser" ]]; then
	echo "screenshot: chromium is not installed; installing Debian's chromium (apt-get)"
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 &&
		apt-get update -qq >"$out/apt.log" 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$out/apt.log" 2>&1; then
		browser=chromium
	else
		echo "screenshot: SKIPPED: chromium could not be installed here (need root, apt-get and network; log: $out/apt.log)."
		echo "screenshot: the report was not checked in a browser; its HTML is still checked by 'go test ./reports/'."
		exit 0
	fi
fi

echo "screenshot: generating the report from reports/render/testdata/report/lockbench.txt"
go run ./cmd/lockbench report -o "$out" reports/render/testdata/report/lockbench.txt

png="$out/report.png"
rm -f "$png"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
echo "screenshot: $browser --headless --screenshot=$png file://$out/report.html"
# timeout: a browser that hangs must fail the check, not the CI job's clock.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-quic \
	--disable-dev-shm-usage --hide-scrollbars \
	--user-data-dir="$profile" --screenshot="$png" --window-size=1200,2400 \
	"file://$out/report.html" >"$out/chromium.log" 2>&1 || {
	echo "screenshot: FAIL: $browser exited with status $? (log follows)"
	tail -20 "$out/chromium.log"
	exit 1
}

# The check: a PNG of the window's size with more than a handful of
# colours (a blank or error page has one or two).
cat >"$profile/check.go" <<'EOF'
package main

import (
	"fmt"
	"image/png"
	"os"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Println("screenshot: FAIL: no screenshot:", err)
		os.Exit(1)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		fmt.Println("screenshot: FAIL: not a PNG:", err)
		os.Exit(1)
	}
	b := img.Bounds()
	colours := map[[4]uint32]bool{}
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
			if r>>8 < 0xf0 || g>>8 < 0xf0 || bl>>8 < 0xf0 {
				nonWhite++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	fmt.Printf("screenshot: %dx%d, %d colours, %.1f%% non-white\n", b.Dx(), b.Dy(), len(colours), 100*float64(nonWhite)/float64(max(total, 1)))
	if b.Dx() < 600 || b.Dy() < 600 || len(colours) < 16 || nonWhite < total/100 {
		fmt.Println("screenshot: FAIL: the screenshot is blank or nearly so")
		os.Exit(1)
	}
}
EOF
if ! go run "$profile/check.go" "$png"; then
	exit 1
fi
echo "screenshot: OK: $png"
