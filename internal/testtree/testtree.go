// Package testtree writes small file trees for tests that read a system
// tree from another root: fake sysfs and THP settings trees. It is a
// test helper; nothing outside tests imports it.
package testtree

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes content to root/file, making its folders, and fails t on
// any error.
func Write(t testing.TB, root, file, content string) {
	t.Helper()
	p := filepath.Join(root, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
