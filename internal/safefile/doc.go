// Package safefile writes and reads lockbench's files so that a fault
// (a full disk, a crash, a concurrent run, a hostile input) never leaves a
// half-written file behind, nor a torn line but the last line of a log
// cut by a crash (which the readers of results.txt skip), and never hangs
// a command.
//
// It serves the packages that touch the file system: harness (the output
// folder and results.txt), reports (reading results, writing summaries
// and reports) and profiles. It is a leaf: it imports nothing of
// lockbench.
//
//   - [WriteFile] replaces a whole file atomically: a temporary file in the
//     same folder, fsync, rename into place, fsync of the folder. On any
//     error the old file, or no file, is left at the path.
//   - [OpenLog] opens an append-only log of whole lines (results.txt):
//     every write reaches the disk before it returns, and a write that
//     fails (ENOSPC) is cut back off, so the file always ends in a whole
//     line.
//   - [ClaimDir] makes one process the owner of an output folder for as
//     long as it holds the claim; [UniqueDir] creates a new folder whose
//     timestamped name never collides with a run started in the same
//     second.
//   - [OpenInput] opens a results file for reading with a size cap and
//     cancellation, and refuses what is not a regular file (a FIFO with no
//     writer, /dev/zero, a directory) before it can block or flood.
//
// Errors name the path and what was being done; none names a command-line
// flag.
package safefile
