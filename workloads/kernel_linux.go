package workloads

import (
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/lockbench/lockbench/internal/mthp"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/sys/unix"
)

// kernelWorkload is the fault or shmem workload: the kernel's own fault
// path, with no lock of lockbench's. See the package doc.
type kernelWorkload struct {
	kind    mthp.Kind
	spec    Spec
	sysfs   mthp.Dir
	workers []*kernelWorker
	maps    [][]byte // the mappings to unmap at Close, whole
	fd      int      // the shmem file, -1 for fault

	// Begin's reading, for End.
	counts    mthp.Counts
	countsErr error
	pages0    uint64
	faults0   float64
}

var (
	_ Workload  = (*kernelWorkload)(nil)
	_ Metered   = (*kernelWorkload)(nil)
	_ io.Closer = (*kernelWorkload)(nil)
)

type kernelWorker struct {
	_      pad
	mode   Mode
	region []byte // folio-aligned, a multiple of the step
	step   int    // bytes per step: one page, or the batch
	off    int
	fd     int   // shmem: the file, whose range at fileOff is region
	foff   int64 // shmem: region's offset in the file
	pages  uint64
	err    error // the first failed system call; Check reports it
	perf   int   // page-faults counter of the worker's thread, -1 when none
	perfOK bool  // tried to open perf
	pErr   error
	_      pad
}

var _ Worker = (*kernelWorker)(nil)

// Step maps the worker's next step of pages the mode's way and writes one
// byte to each; at the end of its region it gives the region back.
func (w *kernelWorker) Step() int {
	if !w.perfOK {
		w.perfOK = true
		w.perf, w.pErr = openFaults()
	}
	if w.off == len(w.region) {
		w.off = 0
		if err := w.release(); err != nil && w.err == nil {
			w.err = err
		}
	}
	b := w.region[w.off : w.off+w.step]
	if w.mode == ModeBatch {
		if err := unix.Madvise(b, unix.MADV_POPULATE_WRITE); err != nil && w.err == nil {
			w.err = fmt.Errorf("madvise(MADV_POPULATE_WRITE): %w", err)
		}
	}
	for i := 0; i < len(b); i += PageSize {
		b[i] = 1 // the first write to a folio faults it in (page, large)
	}
	w.off += w.step
	n := w.step / PageSize
	w.pages += uint64(n)
	return n
}

// release gives the worker's region back to the kernel: its pages are
// unmapped and freed (anonymous), or removed from the page cache and
// freed (a hole punched in the shmem file).
func (w *kernelWorker) release() error {
	if w.fd < 0 {
		if err := unix.Madvise(w.region, unix.MADV_DONTNEED); err != nil {
			return fmt.Errorf("madvise(MADV_DONTNEED): %w", err)
		}
		return nil
	}
	if err := unix.Fallocate(w.fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, w.foff, int64(len(w.region))); err != nil {
		return fmt.Errorf("fallocate(PUNCH_HOLE): %w", err)
	}
	return nil
}

// openFaults opens a page-faults software counter on the calling thread,
// user faults only (the trap's entries; a fault MADV_POPULATE_WRITE takes
// inside the kernel is not one), enabled.
func openFaults() (int, error) {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_PAGE_FAULTS,
		Size:   uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Bits:   unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
	}
	fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("perf_event_open(page-faults): %w", err)
	}
	return fd, nil
}

func readFaults(fd int) (float64, error) {
	var buf [8]byte
	if _, err := unix.Read(fd, buf[:]); err != nil {
		return 0, fmt.Errorf("reading page-faults counter: %w", err)
	}
	return float64(*(*uint64)(unsafe.Pointer(&buf[0]))), nil
}

// newKernel builds the fault (anonymous) or shmem workload.
func newKernel(b *builder, kind mthp.Kind) (*kernelWorkload, error) {
	s := b.spec
	step := PageSize
	if s.Mode != ModePage {
		step = s.Batch * PageSize
	}
	// The region is a whole number of steps and folios; folios start on
	// their size (the fault maps a large folio only where the virtual
	// range and the file offset are both aligned to it).
	align := max(s.Batch*PageSize, PageSize)
	region := (regionBytes + align - 1) / align * align
	k := &kernelWorkload{kind: kind, spec: s, fd: -1}
	advice := unix.MADV_NOHUGEPAGE // 4K folios, whatever the settings
	if s.Mode == ModeLarge {
		advice = unix.MADV_HUGEPAGE
	}
	fail := func(err error) (*kernelWorkload, error) { return nil, errors.Join(err, k.Close()) }
	var base []byte
	if kind == mthp.Shmem {
		fd, err := unix.MemfdCreate("lockbench-shmem", unix.MFD_CLOEXEC)
		if err != nil {
			return fail(fmt.Errorf("memfd_create: %w", err))
		}
		k.fd = fd
		size := region * s.Workers
		if err := unix.Ftruncate(fd, int64(size)); err != nil {
			return fail(fmt.Errorf("ftruncate: %w", err))
		}
		// Reserve an aligned range, then map the file over it.
		res, err := unix.Mmap(-1, 0, size+align, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
		if err != nil {
			return fail(fmt.Errorf("mmap: %w", err))
		}
		k.maps = append(k.maps, res)
		at := alignUp(res, align)
		p, err := unix.MmapPtr(fd, 0, unsafe.Pointer(&res[at]), uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED)
		if err != nil {
			return fail(fmt.Errorf("mmap of the shmem file: %w", err))
		}
		base = unsafe.Slice((*byte)(p), size)
		if err := unix.Madvise(base, advice); err != nil {
			return fail(fmt.Errorf("madvise: %w", err))
		}
	}
	for i := range s.Workers {
		w := &kernelWorker{mode: s.Mode, step: step, fd: k.fd, perf: -1}
		if kind == mthp.Shmem {
			w.foff = int64(i * region)
			w.region = base[i*region : (i+1)*region : (i+1)*region]
		} else {
			m, err := unix.Mmap(-1, 0, region+align, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
			if err != nil {
				return fail(fmt.Errorf("mmap: %w", err))
			}
			k.maps = append(k.maps, m)
			at := alignUp(m, align)
			w.region = m[at : at+region : at+region]
			if err := unix.Madvise(w.region, advice); err != nil {
				return fail(fmt.Errorf("madvise: %w", err))
			}
		}
		k.workers = append(k.workers, w)
	}
	return k, nil
}

// alignUp is the index of the first byte of b aligned to align.
func alignUp(b []byte, align int) int {
	p := uintptr(unsafe.Pointer(&b[0]))
	return int((p+uintptr(align)-1)/uintptr(align)*uintptr(align) - p)
}

func (k *kernelWorkload) Workers() []Worker {
	out := make([]Worker, len(k.workers))
	for i, w := range k.workers {
		out[i] = w
	}
	return out
}

// Locks is empty: the locks taken are the kernel's.
func (k *kernelWorkload) Locks() []ClassLock { return nil }

// Check reports the first system call a worker saw fail.
func (k *kernelWorkload) Check() error {
	for i, w := range k.workers {
		if w.err != nil {
			return fmt.Errorf("worker %d: %w", i, w.err)
		}
	}
	return nil
}

// Close unmaps the workers' memory and closes the file and counters.
func (k *kernelWorkload) Close() error {
	var errs []error
	for _, w := range k.workers {
		if w.perf >= 0 {
			unix.Close(w.perf)
			w.perf = -1
		}
	}
	for _, m := range k.maps {
		errs = append(errs, unix.Munmap(m))
	}
	k.maps = nil
	if k.fd >= 0 {
		errs = append(errs, unix.Close(k.fd))
		k.fd = -1
	}
	return errors.Join(errs...)
}

func (k *kernelWorkload) faults() (float64, error) {
	var sum float64
	for _, w := range k.workers {
		if w.perf < 0 {
			return 0, w.pErr
		}
		v, err := readFaults(w.perf)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func (k *kernelWorkload) pages() uint64 {
	var n uint64
	for _, w := range k.workers {
		n += w.pages
	}
	return n
}

// Begin reads the folio counters, the workers' pages and their fault
// counters.
func (k *kernelWorkload) Begin() error {
	k.counts, k.countsErr = k.sysfs.ReadCounts(k.kind)
	k.pages0 = k.pages()
	k.faults0, _ = k.faults()
	return nil
}

// End reads them again and returns folio-pages and faults/page. In mode
// large, folios smaller than the batch (or counters that cannot be read)
// are a *FallbackError: such a window did not measure large folios.
func (k *kernelWorkload) End() ([]Metric, error) {
	pages := k.pages() - k.pages0
	var out []Metric
	large := k.spec.Mode == ModeLarge
	if k.countsErr != nil {
		if large {
			return nil, &FallbackError{Workload: k.spec.Workload, Batch: k.spec.Batch, Err: k.countsErr}
		}
	} else {
		after, err := k.sysfs.ReadCounts(k.kind)
		if err != nil {
			return nil, err
		}
		f := mthp.Between(k.counts, after, pages)
		mean := f.MeanPages()
		if large && mean < 0.9*float64(k.spec.Batch) {
			return nil, &FallbackError{Workload: k.spec.Workload, Batch: k.spec.Batch, Got: mean, Fallbacks: f.Fallbacks}
		}
		out = append(out, Metric{Unit: schema.UnitFolioPages, Value: mean})
	}
	if f, err := k.faults(); err == nil && pages > 0 {
		out = append(out, Metric{Unit: schema.PerUnit(schema.StemFaults, schema.PerPage), Value: (f - k.faults0) / float64(pages)})
	}
	return out, nil
}

// buildKernel is the registry's build function of the kernel workloads.
func buildKernel(b *builder, kind mthp.Kind) (Workload, error) {
	k, err := newKernel(b, kind)
	if err != nil {
		return nil, err
	}
	return k, nil
}
