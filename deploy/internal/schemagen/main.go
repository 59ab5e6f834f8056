// Command schemagen writes the OpenAPI schemas that deploy's tests validate
// the Kubernetes manifests against (deploy/testdata/openapi), generated
// from the OpenAPI v3 spec in the k8s.io/kubernetes module of the release
// that matches go.mod's k8s.io/api (v0.X.Y is Kubernetes v1.X.Y):
//
//	go run ./deploy/internal/schemagen          # rewrite the schemas
//	go run ./deploy/internal/schemagen -check   # fail if they are stale
//
// It is what kubeconform's schema generation does, without its network
// fetch at test time: the spec comes through the Go module proxy once, here,
// and the tests read the files it writes. Each kind's schema is expanded
// ($ref inlined, as k8s.io/kube-openapi's validator needs) and stripped of
// descriptions, which are most of the spec's bytes.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// A kind is one API type the manifests use, and the spec file (under
// api/openapi-spec/v3) that defines it.
type kind struct {
	file string // the schema file written, in testdata/openapi
	spec string
	name string // the schema's name in components.schemas
}

// kinds are the API types of deploy/kubernetes (decodeStrict's list).
func kinds() []kind {
	return []kind{
		{"batch.v1.Job.json", "apis__batch__v1_openapi.json", "io.k8s.api.batch.v1.Job"},
		{"v1.Pod.json", "api__v1_openapi.json", "io.k8s.api.core.v1.Pod"},
		{"v1.PersistentVolumeClaim.json", "api__v1_openapi.json", "io.k8s.api.core.v1.PersistentVolumeClaim"},
	}
}

// A File is what schemagen writes per kind.
type File struct {
	Kubernetes string          `json:"kubernetes"` // the k8s.io/kubernetes version of the spec
	Schema     json.RawMessage `json:"schema"`
}

func main() {
	check := flag.Bool("check", false, "compare with the files in -out instead of writing them; exit 1 if they differ")
	out := flag.String("out", filepath.Join("deploy", "testdata", "openapi"), "the folder of the schema files")
	flag.Parse()
	if err := run(*out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(out string, check bool) error {
	version, err := kubernetesVersion("go.mod")
	if err != nil {
		return err
	}
	dir, err := moduleDir("k8s.io/kubernetes@" + version)
	if err != nil {
		return err
	}
	specs := map[string]map[string]any{}
	var stale []string
	for _, k := range kinds() {
		if specs[k.spec] == nil {
			if specs[k.spec], err = readSpec(filepath.Join(dir, "api", "openapi-spec", "v3", k.spec)); err != nil {
				return err
			}
		}
		root, ok := specs[k.spec][k.name]
		if !ok {
			return fmt.Errorf("%s: no schema %s", k.spec, k.name)
		}
		schema, err := json.Marshal(expand(root, specs[k.spec], nil))
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(File{Kubernetes: version, Schema: schema}, "", " ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		path := filepath.Join(out, k.file)
		if check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, b) {
				stale = append(stale, path)
			}
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("stale for Kubernetes %s (run go run ./deploy/internal/schemagen): %s", version, strings.Join(stale, ", "))
	}
	return nil
}

// kubernetesVersion is the Kubernetes release of go.mod's k8s.io/api:
// v0.37.2 is v1.37.2.
func kubernetesVersion(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("reading %s (run from the repository root): %w", gomod, err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/api v0\.(\d+\.\d+)\s*$`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("go.mod requires no k8s.io/api v0.X.Y")
	}
	return "v1." + string(m[1]), nil
}

// moduleDir downloads mod through the module proxy (or finds it in the
// module cache) and returns its folder.
func moduleDir(mod string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", err
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	return info.Dir, nil
}

// readSpec returns a spec file's components.schemas.
func readSpec(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec.Components.Schemas, nil
}

// refPrefix starts a reference to another schema of the spec.
const refPrefix = "#/components/schemas/"

// expand returns v with every $ref replaced by the schema it names,
// expanded too, and without descriptions. A reference back to a schema
// being expanded (none in the kinds above) becomes the empty schema,
// which accepts anything, rather than recursing for ever.
func expand(v any, schemas map[string]any, path []string) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, refPrefix)
			for _, p := range path {
				if p == name {
					return map[string]any{}
				}
			}
			return expand(schemas[name], schemas, append(path, name))
		}
		out := map[string]any{}
		for k, x := range v {
			if k == "description" {
				if _, isSchema := x.(string); isSchema {
					continue
				}
			}
			out[k] = expand(x, schemas, path)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = expand(x, schemas, path)
		}
		return out
	}
	return v
}
