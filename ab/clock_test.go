package ab

import "time"

type timeT = time.Time

func timeAt(ns int64) time.Time { return time.Unix(0, ns) }
