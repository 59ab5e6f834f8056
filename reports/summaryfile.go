package reports

import (
	"fmt"
	"io"

	"github.com/lockbench/lockbench/internal/safefile"
)

// WriteFull writes the text summary (WriteText), then its details
// (WriteDetails) and, when there are any, its lock classes
// (WriteClasses) after a blank line: what a run saves as summary.txt
// (Save) and `lockbench run --verbose` prints.
func (s *Summary) WriteFull(w io.Writer) error {
	if err := s.WriteText(w); err != nil {
		return err
	}
	if err := s.WriteDetails(w); err != nil {
		return err
	}
	if len(s.Classes) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return s.WriteClasses(w)
}

// Save writes WriteFull to path, whole or not at all
// (safefile.WriteFile: a full disk leaves no truncated summary).
func (s *Summary) Save(path string) error {
	if err := safefile.WriteFile(path, 0o644, s.WriteFull); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
}
