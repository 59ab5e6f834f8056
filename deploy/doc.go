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
// and results on the shared claim.
package deploy
