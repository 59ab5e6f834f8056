package footprint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SysfsCacheDir is where Linux describes CPU 0's caches, one indexN
// folder per cache (level, type, size, ways_of_associativity,
// coherency_line_size).
const SysfsCacheDir = "/sys/devices/system/cpu/cpu0/cache"

// A Cache is one cache's geometry, as sysfs gives it and cachegrind takes
// it (--D1=size,assoc,line_size).
type Cache struct {
	Level int
	Type  string // Data, Instruction or Unified
	Size  int    // bytes
	Ways  int
	Line  int // bytes
}

// Arg is the cache as cachegrind's option value: "32768,8,64".
func (c Cache) Arg() string { return fmt.Sprintf("%d,%d,%d", c.Size, c.Ways, c.Line) }

// String is the cache for a configuration line: "32768 B, 8-way, 64 B
// lines (L1 Data)".
func (c Cache) String() string {
	return fmt.Sprintf("%d B, %d-way, %d B lines (L%d %s)", c.Size, c.Ways, c.Line, c.Level, c.Type)
}

// Geometry is the hierarchy cachegrind simulates: the first-level
// instruction and data caches and the last level (the highest level
// sysfs lists; cachegrind has no middle level, so an L2 is not
// simulated).
type Geometry struct {
	I1, D1, LL Cache
}

// Args are cachegrind's options for g: --I1, --D1 and --LL, so that the
// simulator's caches are the machine's rather than those cachegrind
// guesses from CPUID (which a VM may fake).
func (g Geometry) Args() []string {
	return []string{"--I1=" + g.I1.Arg(), "--D1=" + g.D1.Arg(), "--LL=" + g.LL.Arg()}
}

// A GeometryError says why the caches could not be read from Dir.
type GeometryError struct {
	Dir string
	Err error
}

func (e *GeometryError) Error() string {
	return fmt.Sprintf("reading the cache geometry from %s: %v", e.Dir, e.Err)
}

func (e *GeometryError) Unwrap() error { return e.Err }

// ReadGeometry reads the caches described under dir (SysfsCacheDir on
// Linux): D1 is the level-1 Data cache, I1 the level-1 Instruction cache,
// LL the unified cache of the highest level. It fails with a
// *GeometryError when one of the three is missing or a file is malformed.
func ReadGeometry(dir string) (Geometry, error) {
	var g Geometry
	fail := func(err error) (Geometry, error) { return g, &GeometryError{Dir: dir, Err: err} }
	idx, err := filepath.Glob(filepath.Join(dir, "index[0-9]*"))
	if err != nil {
		return fail(err)
	}
	var found [3]bool
	for _, d := range idx {
		c, err := readCache(d)
		if err != nil {
			return fail(err)
		}
		switch {
		case c.Level == 1 && c.Type == "Data":
			g.D1, found[1] = c, true
		case c.Level == 1 && c.Type == "Instruction":
			g.I1, found[0] = c, true
		case c.Type == "Unified" && c.Level >= g.LL.Level:
			g.LL, found[2] = c, true
		}
	}
	for i, name := range []string{"a level-1 Instruction cache", "a level-1 Data cache", "a Unified cache"} {
		if !found[i] {
			return fail(fmt.Errorf("no %s among %d caches", name, len(idx)))
		}
	}
	return g, nil
}

// readCache reads one indexN folder.
func readCache(dir string) (Cache, error) {
	var c Cache
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	num := func(name string) (int, error) {
		s, err := read(name)
		if err != nil {
			return 0, err
		}
		n, err := parseSize(s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", filepath.Join(filepath.Base(dir), name), err)
		}
		return n, nil
	}
	var err error
	if c.Type, err = read("type"); err != nil {
		return c, err
	}
	var errs []error
	for _, f := range []struct {
		name string
		v    *int
	}{{"level", &c.Level}, {"size", &c.Size}, {"ways_of_associativity", &c.Ways}, {"coherency_line_size", &c.Line}} {
		n, err := num(f.name)
		errs = append(errs, err)
		*f.v = n
	}
	return c, errors.Join(errs...)
}

// parseSize parses sysfs's sizes: "64", "32K", "1024K", "32M".
func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return n * mult, nil
}
