package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/harness"
	"golang.org/x/term"
)

// progress reports finished cases on stderr: a bar on a terminal, one
// plain line per case otherwise, nothing when quiet.
//
// The bar is a single line rewritten in place ("\r", then erase to the
// end of the line), written here rather than by a progress-bar library:
// the one used before brought net/http and crypto/tls into the binary,
// a large part of a fresh `go run`'s compile.
type progress struct {
	w     io.Writer
	total int
	quiet bool
	bar   bool             // w is a terminal: draw the bar
	start time.Time        // when the first case started, for the estimate
	now   func() time.Time // the clock; tests inject one
	drawn bool             // a bar line is on the screen
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	p := &progress{w: w, total: total, quiet: quiet, now: time.Now}
	p.start = p.now()
	if quiet {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = true
	}
	return p
}

// barWidth is the number of cells of the bar itself.
const barWidth = 24

// barLine is the bar after done of p.total cases, the last one name:
//
//	running [#########---------------] 3/8 (5s, ~8s left) mutex/page/t2
//
// With no known total (an adaptive run) it shows the count and the time
// only. The time left is the mean time per case so far times the cases
// left: cases of one run are of similar length.
func (p *progress) barLine(done int, name string) string {
	elapsed := p.now().Sub(p.start)
	el := elapsed.Round(time.Second)
	if p.total <= 0 {
		return fmt.Sprintf("running %d cases (%s) %s", done, el, name)
	}
	fill := min(barWidth*done/p.total, barWidth)
	left := ""
	if done > 0 && done < p.total {
		per := elapsed / time.Duration(done)
		left = fmt.Sprintf(", ~%s left", (per * time.Duration(p.total-done)).Round(time.Second))
	}
	return fmt.Sprintf("running [%s%s] %d/%d (%s%s) %s",
		strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), done, p.total, el, left, name)
}

func (p *progress) step(i int, r *harness.Result, cpus int) {
	c := r.Case
	switch {
	case p.quiet:
	case p.bar:
		// "\r" back to the start, the line, and erase what a longer
		// line before left.
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.barLine(i+1, c.Name()))
		p.drawn = true
	default:
		ns := 0.0
		if r.Pages > 0 {
			ns = float64(r.Wall.Nanoseconds()) / float64(r.Pages)
		}
		over := ""
		if c.Oversubscribed(cpus) {
			over = " (oversubscribed)"
		}
		of := "/" + strconv.Itoa(p.total)
		if p.total == 0 {
			of = "" // adaptive: the total is not known
		}
		reg := ""
		if x := r.Regime(); x != "" {
			reg = ", " + x
		}
		fmt.Fprintf(p.w, "[%*d%s] %s%s: %.1f ns/%s, xfer %.0f ns%s\n", len(strconv.Itoa(p.total)), i+1, of, c.Name(), over, ns, c.Per(), r.XferNS, reg)
	}
}

// finish erases the bar, so that the answer that follows starts on a
// clean line.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
