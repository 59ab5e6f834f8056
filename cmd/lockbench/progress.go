package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/lockbench/lockbench/harness"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports finished cases on stderr: a bar on a terminal, one
// plain line per case otherwise, nothing when quiet.
type progress struct {
	w     io.Writer
	total int
	bar   *progressbar.ProgressBar
	quiet bool
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	p := &progress{w: w, total: total, quiet: quiet}
	if quiet {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		n := total
		if n == 0 {
			n = -1 // adaptive: a spinner, the total is not known
		}
		p.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("running"),
		)
	}
	return p
}

func (p *progress) step(i int, r *harness.Result, cpus int) {
	c := r.Case
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Describe(c.Name())
		_ = p.bar.Add(1)
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

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
