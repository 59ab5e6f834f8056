//go:build !race

#include "textflag.h"

// func storeRelease(p *atomic.Uint32, v uint32)
//
// A plain MOV: on amd64 (TSO) no earlier load or store passes a store, so
// it is a release store, as the kernel's smp_store_release.
TEXT ·storeRelease(SB), NOSPLIT|NOFRAME, $0-12
	MOVQ p+0(FP), AX
	MOVL v+8(FP), BX
	MOVL BX, (AX)
	RET
