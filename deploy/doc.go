// Package deploy holds lockbench's deployment files, not code: the
// container image (Dockerfile) and the Kubernetes manifests for a sharded
// sweep (kubernetes/). README.md walks through them and through the GitHub
// Actions sweep (.github/workflows/sweep.yml).
//
// Its tests decode every manifest strictly into the Kubernetes API types,
// so that a misspelt or misplaced field fails go test rather than a
// cluster, and check what the sweep depends on: an Indexed Job whose pods
// turn their completion index into --shard K/N, whole CPUs with requests
// equal to limits, the machine selected by instance type and architecture,
// and results on the shared claim. Every manifest is also validated
// against the Kubernetes API's OpenAPI schemas of its kind, generated from
// the k8s.io/kubernetes module's spec by internal/schemagen into
// testdata/openapi (no network at test time), as kubeconform would.
//
// The tests also run the README's loop and scripts with stand-ins for
// kubectl and lockbench, simulate the Job's podFailurePolicy on each exit
// status, and check the GitHub workflows (.github/): actions pinned by
// commit, Dependabot, concurrency, uploads that overwrite, ci.yml running
// .ci/run, and image.yml publishing both architectures.
package deploy
