package deploy

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// openapiFile names the schema of an apiVersion and kind in
// testdata/openapi, written by `go run ./deploy/internal/schemagen` from
// the k8s.io/kubernetes module's OpenAPI v3 spec.
func openapiFile(apiVersion, kind string) string {
	return strings.ReplaceAll(apiVersion, "/", ".") + "." + kind + ".json"
}

// validateOpenAPI validates one manifest against its kind's OpenAPI
// schema, as kubeconform does with the same schemas: types, required
// fields, arrays, maps, oneOf and allOf, enums. It complements
// decodeStrict, which catches unknown fields but not a missing required
// one (a container without a name decodes into an empty name).
func validateOpenAPI(t *testing.T, doc []byte) error {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil {
		return err
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	b, err := os.ReadFile(filepath.Join("testdata", "openapi", openapiFile(apiVersion, kind)))
	if err != nil {
		t.Fatalf("no schema for %s %s: %v (add the kind to schemagen)", apiVersion, kind, err)
	}
	var f struct {
		Kubernetes string         `json:"kubernetes"`
		Schema     map[string]any `json:"schema"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if errs := checkSchema(f.Schema, obj, kind); len(errs) > 0 {
		return fmt.Errorf("Kubernetes %s schema: %s", f.Kubernetes, strings.Join(errs, "; "))
	}
	return nil
}

// checkSchema returns what of v, at path, the expanded OpenAPI schema s
// does not allow. Keywords it does not know (formats, x-kubernetes-*)
// allow anything, as in kubeconform without a format checker.
func checkSchema(s map[string]any, v any, path string) []string {
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		fail("%s, want %s", typeOf(v), typ)
		return errs
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		fail("%v is not one of %v", v, enum)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, checkSchema(sub.(map[string]any), v, path)...)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range one {
			if len(checkSchema(sub.(map[string]any), v, path)) == 0 {
				n++
			}
		}
		if n != 1 {
			fail("matches %d of the %d oneOf schemas, want 1", n, len(one))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := v[r.(string)]; !ok {
				fail("required field %q is missing", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case props[k] != nil:
				errs = append(errs, checkSchema(props[k].(map[string]any), v[k], path+"."+k)...)
			case extra != nil:
				errs = append(errs, checkSchema(extra, v[k], path+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				errs = append(errs, checkSchema(items, x, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

// hasType reports whether the JSON value v is of the OpenAPI type typ.
func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	}
	return true
}

func typeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// Every manifest validates against the API's OpenAPI schema of its kind.
func TestManifestsOpenAPI(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateOpenAPI(t, b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// The schemas catch what strict decoding lets through, and are of the
// Kubernetes release go.mod's k8s.io/api belongs to.
func TestOpenAPIRejects(t *testing.T) {
	job, err := os.ReadFile(filepath.Join("kubernetes", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		reason         string
	}{
		{"no containers", "      containers:\n", "      initContainers:\n", "a pod spec requires containers"},
		{"a string for a number", "completions: 4", `completions: "4"`, "completions is an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(string(job), tt.old, tt.new, 1)
			if bad == string(job) {
				t.Fatalf("job.yaml has no %q to replace; update the test", tt.old)
			}
			if err := validateOpenAPI(t, []byte(bad)); err == nil {
				t.Errorf("validated (%s)", tt.reason)
			} else {
				t.Log(err)
			}
		})
	}
	// The case that only the schema catches: a container whose name
	// is missing decodes strictly (it is a zero string).
	noName := strings.Replace(string(job), "        - name: lockbench\n", "        -\n", 1)
	if noName == string(job) {
		t.Fatal("job.yaml's container is not written as '- name: lockbench'; update the test")
	}
	if _, err := decodeStrict([]byte(noName)); err != nil {
		t.Fatalf("the nameless container does not decode strictly (%v): the case no longer shows what only the schema catches", err)
	}
	if err := validateOpenAPI(t, []byte(noName)); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("a container without a name validated (%v): the schema requires it", err)
	}
}

// The schemas are those of the Kubernetes release whose API types the
// other tests decode into (go.mod's k8s.io/api v0.X.Y is v1.X.Y); .ci/run
// checks them against the spec itself (schemagen -check).
func TestOpenAPIVersion(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var api string
	for _, l := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "k8s.io/api" {
			api = f[1]
		}
	}
	if !strings.HasPrefix(api, "v0.") {
		t.Fatalf("go.mod's k8s.io/api %q is not v0.X.Y", api)
	}
	want := "v1." + strings.TrimPrefix(api, "v0.")
	files, _ := filepath.Glob(filepath.Join("testdata", "openapi", "*.json"))
	if len(files) == 0 {
		t.Fatal("no schemas in testdata/openapi: run go run ./deploy/internal/schemagen")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var h struct{ Kubernetes string }
		if err := json.Unmarshal(b, &h); err != nil || h.Kubernetes != want {
			t.Errorf("%s: Kubernetes %q (%v), want %s: run go run ./deploy/internal/schemagen", f, h.Kubernetes, err, want)
		}
	}
}
