package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A workflow as far as these checks read it.
type workflow struct {
	On          map[string]any `json:"on"`
	Concurrency any            `json:"concurrency"`
	Jobs        map[string]struct {
		Steps []step `json:"steps"`
	} `json:"jobs"`
}

type step struct {
	Name string         `json:"name"`
	Uses string         `json:"uses"`
	Run  string         `json:"run"`
	With map[string]any `json:"with"`
}

// workflows are .github/workflows/*.yml, by file name.
func workflows(t *testing.T) (map[string]workflow, map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows (%v)", err)
	}
	wfs, raw := map[string]workflow{}, map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if w.On == nil {
			// YAML 1.1 reads the key on as true.
			var top map[string]any
			if err := yaml.Unmarshal(b, &top); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			w.On, _ = top["true"].(map[string]any)
		}
		wfs[filepath.Base(f)], raw[filepath.Base(f)] = w, string(b)
	}
	return wfs, raw
}

// pinnedUses is a remote action pinned to a commit, its version in a
// comment for the reader and Dependabot.
var pinnedUses = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$`)

// Every remote action is pinned to a commit SHA: a tag can be moved to
// other code.
func TestActionsPinned(t *testing.T) {
	_, raw := workflows(t)
	for f, text := range raw {
		for i, line := range strings.Split(text, "\n") {
			_, uses, ok := strings.Cut(line, "uses: ")
			if !ok || strings.HasPrefix(uses, "./") {
				continue
			}
			if !pinnedUses.MatchString(strings.TrimSpace(uses)) {
				t.Errorf("%s:%d: %q: want OWNER/REPO@<40-hex commit> # vX.Y.Z", f, i+1, strings.TrimSpace(uses))
			}
		}
	}
	b, err := os.ReadFile(filepath.Join("..", ".github", "dependabot.yml"))
	if err != nil {
		t.Fatalf("no Dependabot config to move the pins: %v", err)
	}
	var cfg struct {
		Updates []struct {
			Ecosystem string `json:"package-ecosystem"`
			Directory string `json:"directory"`
		} `json:"updates"`
	}
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		// Strict only on what we read; the rest is Dependabot's.
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []struct{ eco, dir string }{{"github-actions", "/"}, {"gomod", "/"}, {"docker", "/deploy"}} {
		if !slices.ContainsFunc(cfg.Updates, func(u struct {
			Ecosystem string `json:"package-ecosystem"`
			Directory string `json:"directory"`
		}) bool {
			return u.Ecosystem == want.eco && u.Directory == want.dir
		}) {
			t.Errorf("dependabot.yml does not update %s in %s", want.eco, want.dir)
		}
	}
}

// Uploads replace an artifact of the same name (a re-run would fail with
// a conflict), and every workflow says what happens to a run it overlaps.
func TestWorkflowHygiene(t *testing.T) {
	wfs, _ := workflows(t)
	for f, w := range wfs {
		if w.Concurrency == nil {
			t.Errorf("%s: no concurrency group", f)
		}
		for j, job := range w.Jobs {
			for _, s := range job.Steps {
				if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["overwrite"] != true {
					t.Errorf("%s: job %s: upload-artifact without overwrite: true (a re-run hits a 409)", f, j)
				}
			}
		}
	}
}

// ci.yml runs .ci/run, so that the two cannot drift apart.
func TestCIRunsTheScript(t *testing.T) {
	wfs, _ := workflows(t)
	ci, ok := wfs["ci.yml"]
	if !ok {
		t.Fatal("no ci.yml")
	}
	var runs []string
	for _, job := range ci.Jobs {
		for _, s := range job.Steps {
			if s.Run != "" {
				runs = append(runs, strings.TrimSpace(s.Run))
			}
		}
	}
	if !slices.Contains(runs, "bash .ci/run") {
		t.Errorf("ci.yml's steps run %q, not bash .ci/run: its checks would drift from the script's", runs)
	}
	for _, r := range runs {
		if strings.Contains(r, "go test") || strings.Contains(r, "go vet") {
			t.Errorf("ci.yml runs %q itself: put the check in .ci/run", r)
		}
	}
}

// image.yml publishes the image for both architectures on tags and
// releases, with the revision stamped.
func TestImageWorkflow(t *testing.T) {
	wfs, raw := workflows(t)
	w, ok := wfs["image.yml"]
	if !ok {
		t.Fatal("no image.yml: nothing publishes the image the manifests use")
	}
	if _, ok := w.On["push"]; !ok || !strings.Contains(raw["image.yml"], `tags: ["v*"]`) {
		t.Errorf("image.yml does not build on v* tags")
	}
	if _, ok := w.On["release"]; !ok {
		t.Errorf("image.yml does not build on releases")
	}
	var build *step
	for _, job := range w.Jobs {
		for i, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "docker/build-push-action@") {
				build = &job.Steps[i]
			}
		}
	}
	if build == nil {
		t.Fatal("image.yml has no docker/build-push-action step")
	}
	if p, _ := build.With["platforms"].(string); !strings.Contains(p, "linux/amd64") || !strings.Contains(p, "linux/arm64") {
		t.Errorf("platforms %q: want linux/amd64 and linux/arm64", p)
	}
	if f, _ := build.With["file"].(string); f != "deploy/Dockerfile" {
		t.Errorf("file %q, want deploy/Dockerfile", f)
	}
	if a, _ := build.With["build-args"].(string); !strings.Contains(a, "REVISION=${{ github.sha }}") {
		t.Errorf("build-args %q: the revision is not stamped", a)
	}
	if tags, _ := build.With["tags"].(string); !strings.HasPrefix(tags, "${{ steps.meta.outputs.image }}") || !strings.Contains(raw["image.yml"], "ghcr.io/") {
		t.Errorf("tags %q: want the ghcr.io image", tags)
	}
}
