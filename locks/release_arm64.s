//go:build !race

#include "textflag.h"

// func storeRelease(p *atomic.Uint32, v uint32)
//
// STLR: a store-release, as the kernel's smp_store_release.
TEXT ·storeRelease(SB), NOSPLIT|NOFRAME, $0-12
	MOVD p+0(FP), R0
	MOVWU v+8(FP), R1
	STLRW R1, (R0)
	RET
