// Package render writes lockbench's report: one self-contained HTML file
// and a Markdown file with its SVG plots (New, Write).
//
// It renders what the packages below it answer: the case model
// (reports/cases), the summary and headlines (reports.SummarizeModel: the
// very engine `lockbench run` prints, so run and report never give two
// answers for one file), the savings, regimes and lock classes of package
// reports, a mode comparison by compare.Tables, and plots drawn with
// reports/plot. It holds no statistics of its own beyond the
// presentation's (the knee, the plots' points), and never imports
// harness.
package render
