//go:build !linux

package workloads

import (
	"errors"

	"github.com/lockbench/lockbench/internal/mthp"
)

func buildKernel(b *builder, kind mthp.Kind) (Workload, error) {
	return nil, errors.New("the kernel workloads measure Linux's fault path: they run on Linux only")
}
