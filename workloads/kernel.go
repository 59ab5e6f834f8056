package workloads

// regionBytes is the least memory a worker of a kernel workload faults in
// before it gives it all back (MADV_DONTNEED, or a hole punched in the
// shmem file) and starts again: 1024 pages, so the free is batched as a
// program's would be, and its cost shared by many faults.
const regionBytes = 4 << 20
